"""Checks for notebooks/00_setup.ipynb."""

from __future__ import annotations

import psycopg

from course_lib.databases import NotebookDatabase
from course_lib.exercises import Hint, exercise


def _scalar(db: NotebookDatabase, query: str) -> object:
    with psycopg.connect(db.libpq_url) as conn:
        row = conn.execute(query).fetchone()
    return row[0] if row else None


@exercise("nb00-server-version")
def server_version(answer: object, db: NotebookDatabase) -> str:
    expected = int(str(_scalar(db, "SHOW server_version_num"))) // 10000
    if isinstance(answer, bool) or not isinstance(answer, int):
        raise Hint(f"the answer should be an int such as 17 or 18, not {type(answer).__name__} {answer!r}.")
    if answer != expected:
        raise Hint(
            f"{answer} is not the major version of this server. `SHOW server_version_num` gives e.g. 180006."
        )
    return f"this server runs PostgreSQL {expected}."


@exercise("nb00-note-count")
def note_count(answer: object, db: NotebookDatabase) -> str:
    actual = _scalar(db, "SELECT count(*) FROM note")
    if answer != actual:
        raise Hint(
            f"the note table holds {actual} rows now, but the answer is {answer!r}. "
            "Count with SQL, not by hand."
        )
    if actual < 3:
        raise Hint(f"add at least two more notes first (the table has {actual}).")
    return f"the note table has {actual} rows."


@exercise("nb00-unaccent")
def unaccent(answer: object, db: NotebookDatabase) -> str:
    installed = _scalar(db, "SELECT count(*) FROM pg_extension WHERE extname = 'unaccent'")
    if not installed:
        raise Hint("enable the extension in this database first: CREATE EXTENSION IF NOT EXISTS unaccent.")
    if answer != "Creme Brulee":
        raise Hint(f"expected the text without accents, 'Creme Brulee', got {answer!r}.")
    return "unaccent strips the accents."
