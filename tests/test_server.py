"""Which server the course uses: DATABASE_URL > COURSE_DB=docker > embedded.

Resolution is cached per process, so the order is tested in fresh interpreters
with a controlled environment.
"""

from __future__ import annotations

import time

import pytest
from helpers import run_python

from course_lib import CourseSetupError, current_server

WHICH = """
    from course_lib import CourseSetupError, current_server
    try:
        server = current_server()
    except CourseSetupError as error:
        print("error:", error)
    else:
        print("kind:", server.kind)
        print("repr:", repr(server))
"""

# Resolving a DATABASE_URL does not connect, so an unused local port is fine here.
SOME_URL = "postgresql://alice:hunter2-secret@127.0.0.1:9/shop"


def which(**env: str) -> str:
    result = run_python(WHICH, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_default_is_the_embedded_server():
    out = which()
    assert "kind: embedded" in out
    assert "host=<socket dir>" in out


def test_database_url_comes_first():
    out = which(DATABASE_URL=SOME_URL)
    assert "kind: url" in out
    assert "hunter2-secret" not in out


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        # DOCKER_HOST points nowhere: had docker been tried, these would be errors.
        ({"DATABASE_URL": SOME_URL, "COURSE_DB": "docker"}, "url"),
        ({"DATABASE_URL": SOME_URL, "COURSE_DB": "podman"}, "url"),
        ({"COURSE_DB": "embedded"}, "embedded"),
        ({"COURSE_DB": " EMBEDDED "}, "embedded"),
        ({"DATABASE_URL": "  "}, "embedded"),  # blank means unset
        ({"COURSE_DB": ""}, "embedded"),
    ],
)
def test_resolution_order(embedded, monkeypatch, env, expected):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent.sock")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    server = current_server()
    assert server.kind == expected
    if expected == "embedded":
        assert server.url == embedded.url
    else:
        assert server.setting == "DATABASE_URL"


def test_course_db_docker_comes_before_embedded(embedded, monkeypatch):
    monkeypatch.setenv("COURSE_DB", "docker")
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent.sock")
    started = time.monotonic()
    with pytest.raises(CourseSetupError, match=r"^COURSE_DB=docker needs a running Docker engine"):
        current_server()
    assert time.monotonic() - started < 10  # no hang: the ping has a 3 s timeout


def test_unknown_course_db_is_rejected():
    out = which(COURSE_DB="podman")
    assert out.startswith("error: COURSE_DB='podman' is not a choice the course knows.")
    assert "COURSE_DB=docker" in out and "DATABASE_URL" in out


def test_current_server_is_cached_per_environment(embedded, monkeypatch):
    assert current_server() is embedded
    monkeypatch.setenv("DATABASE_URL", SOME_URL)
    other = current_server()
    assert other.kind == "url" and other.setting == "DATABASE_URL"
    assert current_server() is other
    monkeypatch.delenv("DATABASE_URL")
    assert current_server() is embedded


def test_embedded_server_is_postgresql_18_without_password(embedded):
    assert embedded.url.password is None
    assert embedded.url.query["host"].startswith("/")
    with embedded.connect() as conn:
        assert conn.execute("SHOW server_version_num").fetchone()[0].startswith("18")
        assert conn.execute("SHOW listen_addresses").fetchone()[0] == ""  # Unix socket only, no TCP
        assert conn.autocommit
        names = {row[0] for row in conn.execute("SELECT name FROM pg_available_extensions")}
    assert {"pg_trgm", "unaccent", "vector"} <= names


def test_connect_to_a_missing_database_says_so(embedded):
    with pytest.raises(CourseSetupError) as caught:
        embedded.connect("course_zz_no_such_database")
    message = str(caught.value)
    assert "the database 'course_zz_no_such_database' does not exist on the local Unix socket" in message
    assert "localhost:5432" not in message
