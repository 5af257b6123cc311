"""Bad input: each fails fast with a message that names the setting and the fix, and no password."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from helpers import free_port, unique_name, use_course_settings
from psycopg import sql

from course_lib import CourseSetupError, notebook_database
from course_lib.server import connect_timeout

SECRET = "n0t-the-Pa55word"


@pytest.fixture
def course_env(monkeypatch) -> Iterator[pytest.MonkeyPatch]:
    """A clean environment of course settings that each test then sets."""
    use_course_settings(monkeypatch)
    yield monkeypatch


def setup_error(monkeypatch: pytest.MonkeyPatch, **env: str) -> tuple[str, float]:
    """The CourseSetupError message notebook_database gives under ``env``, and how long it took."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    started = time.monotonic()
    with pytest.raises(CourseSetupError) as caught:
        notebook_database(unique_name("bad_input"))  # never made: no real notebook's database is at risk
    return str(caught.value), time.monotonic() - started


@pytest.mark.parametrize(
    "raw",
    [
        f"postgresql//alice:{SECRET}@db.example/shop",
        f"mysql://alice:{SECRET}@db.example/shop",
        f"postgresql://alice:{SECRET}@db.example:5432x/shop",
    ],
)
def test_malformed_database_url(course_env, raw):
    message, _ = setup_error(course_env, DATABASE_URL=raw)
    assert message.startswith("DATABASE_URL ")
    assert "postgresql://USER:PASSWORD@HOST:5432/DBNAME" in message  # the fix: the right form
    assert SECRET not in message


def test_a_host_that_never_answers_fails_within_10_seconds(course_env):
    assert connect_timeout() == 5  # the default: what a learner waits
    # A local listener that accepts the TCP connection but never says a word. The test waits
    # libpq's shortest timeout (2 s), set the way a learner would.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        message, seconds = setup_error(
            course_env,
            DATABASE_URL=f"postgresql://alice:{SECRET}@127.0.0.1:{port}/shop",
            COURSE_CONNECT_TIMEOUT="2",
        )
    assert seconds < 10
    assert message.startswith(f"DATABASE_URL: no answer from 127.0.0.1:{port} within 2 s.")
    assert "Check the host and port" in message
    assert SECRET not in message


def test_a_closed_port_fails_at_once(course_env):
    port = free_port()
    message, seconds = setup_error(
        course_env, DATABASE_URL=f"postgresql://alice:{SECRET}@127.0.0.1:{port}/shop"
    )
    assert seconds < 10
    assert message.startswith(f"DATABASE_URL: cannot connect to 127.0.0.1:{port} (")
    assert "unset DATABASE_URL to use the embedded PostgreSQL" in message
    assert "\t" not in message and "\n" not in message  # libpq's tabbed advice, as one clean line
    assert "(Is the server running on that host and accepting TCP/IP connections?)" in message
    assert SECRET not in message


def test_wrong_password(course_env, external_server):
    url = external_server.url("learner", password=SECRET)
    message, _ = setup_error(course_env, DATABASE_URL=url)
    assert message == (
        f"DATABASE_URL: the server at 127.0.0.1:{external_server.port} refused the password for "
        "user 'learner'. Check the user and password in DATABASE_URL (the password is not shown here)."
    )


def test_a_role_without_createdb_is_told_what_to_grant(course_env, embedded):
    role = unique_name("nocreatedb")
    with embedded.connect() as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN NOCREATEDB").format(sql.Identifier(role)))
    try:
        # The embedded server trusts its Unix socket: reach it as the limited role.
        url = embedded.url.set(drivername="postgresql", username=role)
        message, _ = setup_error(course_env, DATABASE_URL=url.render_as_string(hide_password=False))
    finally:
        with embedded.connect() as conn:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
    assert f"the role {role!r} may not create databases" in message
    assert f'ALTER ROLE "{role}" CREATEDB;' in message  # exactly what to grant
    assert message.startswith("DATABASE_URL: ")


def test_course_db_docker_without_an_engine(course_env):
    message, seconds = setup_error(course_env, COURSE_DB="docker", DOCKER_HOST="unix:///nonexistent.sock")
    assert seconds < 10
    assert message.startswith("COURSE_DB=docker needs a running Docker engine, and none answered")
    assert "unset COURSE_DB to use the embedded PostgreSQL, which needs no Docker" in message


def test_unknown_course_db(course_env):
    message, _ = setup_error(course_env, COURSE_DB="sqlite")
    assert message.startswith("COURSE_DB='sqlite' is not a choice the course knows.")
