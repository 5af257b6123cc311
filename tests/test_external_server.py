"""The DATABASE_URL path on a real second server: Debian's PostgreSQL with scram-sha-256 passwords.

The ``external_server`` fixture (conftest.py) starts it on a free 127.0.0.1 port
once per session and stops it at the end.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import psycopg
import pytest
from helpers import ROOT, postgres_bin_dir, run_cli
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import create_async_engine

from course_lib import CourseSetupError, current_server, notebook_database

pytestmark = pytest.mark.skipif(
    postgres_bin_dir() is None,
    reason="no system PostgreSQL server (initdb and pg_ctl, e.g. Debian's postgresql-15) on this machine",
)


@pytest.fixture
def use(monkeypatch):
    """Point the course at a URL for this test (current_server caches per environment)."""

    def set_url(url: str) -> None:
        for name in ("COURSE_DB", "COURSE_PGDATA", "COURSE_DOCKER_IMAGE"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("DATABASE_URL", url)

    return set_url


def test_the_server_asks_for_a_scram_password(external_server):
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(f"postgresql://learner@127.0.0.1:{external_server.port}/postgres", connect_timeout=5)
    with psycopg.connect(external_server.url("postgres")) as conn:
        methods = {
            row[0] for row in conn.execute("SELECT auth_method FROM pg_hba_file_rules WHERE type = 'host'")
        }
        stored = conn.execute("SELECT rolpassword FROM pg_authid WHERE rolname = 'learner'").fetchone()[0]
    assert methods == {"scram-sha-256"}
    assert stored.startswith("SCRAM-SHA-256$")


def test_notebook_database_through_database_url(external_server, use):
    use(external_server.url("learner").replace("postgresql://", "postgres://"))  # Heroku/Neon spelling
    server = current_server()
    assert server.kind == "url"
    assert external_server.learner_password not in repr(server) + server.description

    db = notebook_database("zz_external")
    assert external_server.learner_password not in repr(db)
    assert db.url.password == external_server.learner_password
    engine = create_engine(db.url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE hero (name text)"))
        conn.execute(text("INSERT INTO hero VALUES ('Deadpond')"))
        owner = conn.scalar(
            text("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()")
        )
    engine.dispose()
    assert owner == "learner"

    again = notebook_database("zz_external")  # emptied by its owner, who is no superuser: the table is gone
    with psycopg.connect(again.libpq_url) as conn:
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0] == 0
        public = conn.execute("SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'public'")
        assert public.fetchone()[0] == "pg_database_owner"  # as CREATE DATABASE makes it
        conn.execute("CREATE TABLE hero (name text)")  # and the learner may create in it again


def test_libpq_options_work_with_both_async_drivers(external_server, use):
    use(external_server.url("learner") + "?sslmode=disable&connect_timeout=5&application_name=course")
    db = notebook_database("zz_external_async")
    assert dict(db.async_url.query) == {"ssl": "disable"}

    async def names() -> list[str]:
        found = []
        for url in (db.async_url, db.url):
            engine = create_async_engine(url)
            async with engine.connect() as conn:
                found.append(await conn.scalar(text("SELECT current_database()")))
            await engine.dispose()
        return found

    assert asyncio.run(names()) == [db.name, db.name]
    with psycopg.connect(db.libpq_url) as conn:  # libpq keeps the libpq-only keys
        assert conn.execute("SHOW application_name").fetchone()[0] == "course"


def test_wrong_password(external_server, use):
    use(external_server.url("postgres", password="Not-The-Password-42"))
    with pytest.raises(CourseSetupError) as caught:
        notebook_database("zz_external")
    message = str(caught.value)
    assert "refused the password for user 'postgres'" in message
    assert "Not-The-Password-42" not in message and "DATABASE_URL" in message


def test_a_role_without_createdb(external_server, use):
    use(external_server.url("limited"))
    with pytest.raises(CourseSetupError) as caught:
        notebook_database("zz_external_limited")  # never made by anyone
    message = str(caught.value)
    assert "the role 'limited' may not create databases" in message
    assert 'ALTER ROLE "limited" CREATEDB;' in message
    assert external_server.limited_password not in message


def test_a_missing_database_in_the_url(external_server, use):
    use(external_server.url("learner", database="no_such_db"))
    with pytest.raises(CourseSetupError) as caught:
        notebook_database("zz_external")
    assert f"the database 'no_such_db' does not exist on 127.0.0.1:{external_server.port}." in str(
        caught.value
    )


def test_cli_masks_the_password(external_server):
    url = external_server.url("learner")
    password = external_server.learner_password
    env = {"DATABASE_URL": url}
    status = run_cli("status", **env)
    assert status.returncode == 0, status.stderr
    assert status.stdout.startswith(
        f"server:    the server in DATABASE_URL: postgresql+psycopg://learner:***@127.0.0.1:{external_server.port}/postgres\n"
        f"version:   PostgreSQL {external_server.version}\n"
    )
    assert "data dir" not in status.stdout
    urls = run_cli("url", "03_relationships", **env)
    assert (
        urls.stdout == f"postgresql://learner:***@127.0.0.1:{external_server.port}/course_03_relationships\n"
    )
    psql = run_cli("psql", "-Atc", "SELECT current_user", **env)  # the password goes through PGPASSWORD
    assert (psql.returncode, psql.stdout) == (0, "learner\n"), psql.stderr
    for result in (status, urls, psql):
        assert password not in result.stdout + result.stderr


def test_cli_bad_password_exit_code(external_server):
    result = run_cli("status", DATABASE_URL=external_server.url("learner", password="wrong-Pa55"))
    assert result.returncode == 2
    assert result.stderr.startswith("error: DATABASE_URL: the server at 127.0.0.1:")
    assert "wrong-Pa55" not in result.stderr


def test_setup_notebook_runs_through_database_url(external_server, monkeypatch):
    notebook_path = ROOT / "notebooks" / "00_setup.ipynb"
    if not notebook_path.exists():
        pytest.skip("notebooks/00_setup.ipynb does not exist yet")
    import nbformat
    from nbclient import NotebookClient

    for name in ("COURSE_DB", "COURSE_PGDATA", "COURSE_DOCKER_IMAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", external_server.url("learner"))  # the kernel inherits it
    notebook = nbformat.read(notebook_path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(Path(notebook_path).parent)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    outputs = nbformat.writes(notebook)
    assert external_server.learner_password not in outputs
    assert "the server in DATABASE_URL" in outputs
    assert f"PostgreSQL {external_server.version.split('.')[0]}" in outputs
    assert '"ename"' not in outputs  # no error output anywhere


def test_a_notebook_database_made_by_another_role(external_server, use):
    with psycopg.connect(external_server.url("postgres"), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS course_zz_owned WITH (FORCE)")
        conn.execute("CREATE DATABASE course_zz_owned")  # owned by postgres, not learner
    use(external_server.url("learner"))
    with pytest.raises(CourseSetupError) as caught:
        notebook_database("zz_owned")
    message = str(caught.value)
    assert "the database 'course_zz_owned' already exists and belongs to another role" in message
    assert 'DROP DATABASE "course_zz_owned" WITH (FORCE);' in message
    assert "CREATEDB" not in message  # granting CREATEDB would not help here
