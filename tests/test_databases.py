"""A fresh database per notebook: empty every time, never shared, safe in parallel."""

from __future__ import annotations

import asyncio

import psycopg
import pytest
from helpers import start_python
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import create_async_engine

from course_lib import CourseSetupError, NotebookDatabase, notebook_database
from course_lib.databases import course_databases, describe
from course_lib.server import current_server


def tables(db: NotebookDatabase) -> list[str]:
    with psycopg.connect(db.libpq_url) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        ).fetchall()
    return [row[0] for row in rows]


def test_the_database_is_named_after_the_notebook(scratch_name, embedded):
    name = scratch_name("naming")
    db = notebook_database(name)
    assert db.notebook == name
    assert db.name == f"course_{name}"
    assert db.url.database == db.async_url.database == db.name
    assert db.name in course_databases(embedded)


def test_a_second_call_gives_an_empty_database(scratch_name):
    name = scratch_name("again")
    db = notebook_database(name)
    engine = create_engine(db.url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE hero (id int PRIMARY KEY, name text)"))
        conn.execute(text("INSERT INTO hero VALUES (1, 'Deadpond')"))
    assert tables(db) == ["hero"]

    again = notebook_database(name)  # the engine above still holds a pooled connection: closed
    assert again.name == db.name
    assert tables(again) == []
    with pytest.raises(OperationalError):  # the old connection was closed by the server
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    engine.dispose()


def test_two_notebooks_never_share_a_database(scratch_name):
    first = notebook_database(scratch_name("first"))
    second = notebook_database(scratch_name("second"))
    assert first.name != second.name
    with psycopg.connect(first.libpq_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE only_in_first (x int)")
    assert tables(first) == ["only_in_first"]
    assert tables(second) == []


def test_every_url_reaches_the_notebook_database(scratch_name):
    db = notebook_database(scratch_name("urls"))
    query = text("SELECT current_database()")

    engine = create_engine(db.url)  # psycopg 3, sync
    with engine.connect() as conn:
        assert conn.scalar(query) == db.name
    engine.dispose()

    with psycopg.connect(db.libpq_url) as conn:  # plain libpq URL
        assert conn.execute("SELECT current_database()").fetchone()[0] == db.name
        # outputs do not depend on the machine's time zone
        assert conn.execute("SHOW timezone").fetchone()[0] == "UTC"

    async def both_async_drivers() -> list[str]:
        names = []
        for url in (db.async_url, db.url):  # asyncpg, then psycopg async
            async_engine = create_async_engine(url)
            async with async_engine.connect() as conn:
                names.append(await conn.scalar(query))
            await async_engine.dispose()
        return names

    assert asyncio.run(both_async_drivers()) == [db.name, db.name]
    assert db.async_url.drivername == "postgresql+asyncpg"
    assert db.url.drivername == "postgresql+psycopg"


@pytest.mark.parametrize(
    "bad",
    ["03_Relationships", "03-relationships", "03_relationships.ipynb", "", "x" * 51, "a; DROP DATABASE x"],
)
def test_bad_notebook_names_are_rejected_before_anything_is_dropped(bad):
    with pytest.raises(CourseSetupError, match="the notebook's file name without"):
        notebook_database(bad)


WORKER = """
    import os
    import psycopg
    from course_lib import notebook_database

    own, shared = os.environ["OWN"], os.environ["SHARED"]
    for _ in range(2):
        db = notebook_database(own)
        with psycopg.connect(db.libpq_url, autocommit=True) as conn:
            conn.execute("CREATE TABLE mine (who text)")
            conn.execute("INSERT INTO mine VALUES (%s)", (own,))
            rows = conn.execute("SELECT who FROM mine").fetchall()
        assert rows == [(own,)], rows
        notebook_database(shared)  # the other process recreates the same one meanwhile
    print("ok", own)
"""


def test_two_processes_at_once(scratch_name):
    names = [scratch_name("proc_a"), scratch_name("proc_b")]
    shared = scratch_name("proc_shared")
    workers = [start_python(WORKER, OWN=own, SHARED=shared) for own in names]
    outputs = [worker.communicate(timeout=180) for worker in workers]
    for worker, (out, err), own in zip(workers, outputs, names, strict=True):
        assert worker.returncode == 0, err
        assert out.strip() == f"ok {own}"
    # each kept its own database; the shared one exists, empty
    for own in names:
        db = describe(current_server(), own)
        assert tables(db) == ["mine"]
        with psycopg.connect(db.libpq_url) as conn:
            assert conn.execute("SELECT who FROM mine").fetchall() == [(own,)]
    assert f"course_{shared}" in course_databases()
