"""Exercise 1: search notes, NULL-safe, with the search box's syntax (``nb06-note-search``)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from course_lib.checks.nb06_full_text_search.common import _learner_ids, _reference
from course_lib.exercises import Hint, check_database, exercise

NOTES = [
    # (id, title, description, tags)
    (1, "Backup the database", "Nightly dump to object storage", None),
    (2, "Test the backups restore", None, "ops"),
    (3, "Rotate keys", "Also check that the backup is encrypted", None),
    (4, "Café menu", None, None),
    (5, "Plan the restore drill", "Restore from last night's copy", "backup, drills"),
    (6, "Write tests", "Unit tests for the exporter", "testing"),
]
NOTE_SEARCH_SQL = """
SELECT id FROM note
WHERE to_tsvector('english', concat_ws(' ', title, description, tags)) @@ websearch_to_tsquery('english', :q)
ORDER BY id
"""
SEARCH_BOXES = ["backup", "restore -test", '"nightly dump"', "it's \"unbalanced", "the", ""]


@contextlib.contextmanager
def _notes() -> Iterator[Engine]:
    with check_database() as engine:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "CREATE TABLE note "
                    "(id integer PRIMARY KEY, title text NOT NULL, description text, tags text)"
                )
            )
            conn.execute(
                text("INSERT INTO note VALUES (:id, :title, :description, :tags)"),
                [dict(zip(("id", "title", "description", "tags"), note, strict=True)) for note in NOTES],
            )
        yield engine


@exercise("nb06-note-search", level=1)
def note_search(answer: Any) -> str:
    if not isinstance(answer, str):
        raise Hint("answer_1 should be the SQL, as a string, with :q where the search box's text goes.")
    with _notes() as engine:
        if len({tuple(_learner_ids(engine, answer, q)) for q in SEARCH_BOXES}) == 1:
            raise Hint(
                "your query gives the same rows whatever the input: search for :q (the check runs it with "
                "several search-box inputs, on its own notes)."
            )
        for q in SEARCH_BOXES:
            expected = _reference(engine, NOTE_SEARCH_SQL, q=q)
            got = _learner_ids(engine, answer, q)
            if got == expected:
                continue
            if sorted(got) == expected:
                raise Hint("the right notes, not in order: ORDER BY id.")
            missing = set(expected) - set(got)
            if q == "backup" and 2 in missing:
                raise Hint(
                    "a note without a description is missing although its title matches: text || NULL is "
                    "NULL, so it has no vector at all. coalesce(column, '') or concat_ws(' ', ...)."
                )
            if q == "backup" and 5 in missing:
                raise Hint("a note whose tags match is missing: search the tags too.")
            if q == "backup" and 3 in missing:
                raise Hint("a note whose description matches is missing: search the description too.")
            if q in ("restore -test", '"nightly dump"'):
                raise Hint(
                    f"for {q!r} you found notes {got}: the search box has a syntax (-word excludes a word, "
                    '"quotes" make a phrase) that websearch_to_tsquery reads and plainto_tsquery ignores.'
                )
            raise Hint(f"for :q = {q!r}, on the check's own notes, expected ids {expected}, got {got}.")
        for q in SEARCH_BOXES[:3]:
            if _learner_ids(engine, answer, q, config="pg_catalog.simple") != _reference(
                engine, NOTE_SEARCH_SQL, q=q
            ):
                raise Hint(
                    "right on this server, wrong on one whose default_text_search_config is 'simple': "
                    "name the configuration in both calls, to_tsvector('english', ...) and "
                    "websearch_to_tsquery('english', :q)."
                )
    return "NULL-safe, search-box syntax, and the same answer on any server."
