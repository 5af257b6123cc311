"""Each check of 00_setup fails on wrong answers and passes on the right one."""

from __future__ import annotations

import psycopg
import pytest

from course_lib import notebook_database
from course_lib.exercises import run_check


@pytest.fixture(scope="module")
def db():
    database = notebook_database("test_checks_nb00")
    with psycopg.connect(database.libpq_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE note (id serial PRIMARY KEY, text text NOT NULL)")
        conn.execute("INSERT INTO note (text) VALUES ('a'), ('b')")
    return database


def test_server_version(db):
    assert run_check("nb00-server-version", 18, db=db)[0]
    assert not run_check("nb00-server-version", 17, db=db)[0]
    assert not run_check("nb00-server-version", "18", db=db)[0]
    passed, message = run_check("nb00-server-version", ..., db=db)
    assert not passed and "not answered yet" in message


def test_note_count(db):
    passed, message = run_check("nb00-note-count", 2, db=db)
    assert not passed and "at least two more" in message
    with psycopg.connect(db.libpq_url, autocommit=True) as conn:
        conn.execute("INSERT INTO note (text) VALUES ('c')")
    assert not run_check("nb00-note-count", 2, db=db)[0]
    assert run_check("nb00-note-count", 3, db=db)[0]


def test_unaccent(db):
    passed, message = run_check("nb00-unaccent", "Creme Brulee", db=db)
    assert not passed and "CREATE EXTENSION" in message
    with psycopg.connect(db.libpq_url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    assert not run_check("nb00-unaccent", "Crème Brûlée", db=db)[0]
    assert run_check("nb00-unaccent", "Creme Brulee", db=db)[0]
