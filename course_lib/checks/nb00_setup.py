"""Checks for notebooks/00_setup.ipynb.

Each check runs the learner's function on a scratch database of its own
(:func:`check_database`), with a ``note`` table shaped like the notebook's
(``id`` serial, ``text`` varchar NOT NULL), so the notebook's own rows are never
touched and a value copied from the notebook cannot pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from course_lib.exercises import Hint, LearnerError, check_database, exercise, learner

NOTE_TABLE = "CREATE TABLE note (id serial PRIMARY KEY, text varchar NOT NULL)"


@contextmanager
def _note_database() -> Iterator[Engine]:
    """A scratch database of the check's own, with an empty ``note`` table."""
    with check_database() as engine:
        with engine.begin() as conn:
            conn.execute(text(NOTE_TABLE))
        yield engine


def _stored(engine: Engine) -> list[str]:
    """The texts in the note table, read on a connection of the check's own (committed rows only)."""
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT text FROM note ORDER BY id")).scalars())


def _database_error(error: LearnerError) -> DBAPIError | None:
    return error.error if isinstance(error.error, DBAPIError) else None


@exercise("nb00-add-note", level=1)
def add_note(answer: Any) -> str:
    with _note_database() as engine:
        learner(answer, engine, "first note")
        stored = _stored(engine)
        if not stored:
            raise Hint(
                "no note was saved through the engine passed to add_note. Under engine.connect() a change "
                "is rolled back at the end of the block: call connection.commit(), or use "
                "engine.begin() (with a Session: session.commit())."
            )
        if stored != ["first note"]:
            raise Hint(
                f"after add_note(engine, 'first note') the table holds {stored!r}: insert exactly one "
                "note, with the text passed in."
            )
        tricky = 'Dad\'s café: 100% "fine"; DROP TABLE note; --'
        try:
            learner(answer, engine, tricky)
        except LearnerError as error:
            if _database_error(error) is not None:
                raise Hint(
                    "a text with a quote (Dad's café) broke the SQL: pass the text as a bound parameter "
                    '(text("... VALUES (:text)"), {"text": note_text}), never paste it into the SQL string.'
                ) from None
            raise
        stored = _stored(engine)
        if stored != ["first note", tricky]:
            raise Hint(
                f"after a second call the table holds {stored!r}: each call should add one note, "
                "with exactly the text given."
            )
    return "the note is committed, and any text is stored as given."


@exercise("nb00-all-or-nothing", level=2)
def all_or_nothing(answer: Any) -> str:
    with _note_database() as engine:
        learner(answer, engine, ["one", "two", "three"])
        stored = _stored(engine)
        if not stored:
            raise Hint(
                "nothing was saved: the transaction must be committed (engine.begin() commits at the "
                "end of its block)."
            )
        if stored != ["one", "two", "three"]:
            raise Hint(f"add_notes(engine, ['one', 'two', 'three']) stored {stored!r}: one note per text.")
        learner(answer, engine, [])
        if _stored(engine) != stored:
            raise Hint("an empty list should add nothing.")
        raised = None
        try:
            answer(engine, ["four", None, "five"])
        except Exception as error:  # the learner's error is expected here: any kind reaches the caller
            raised = error
        after = _stored(engine)
        if after != stored:
            added = after[len(stored) :] if after[: len(stored)] == stored else after
            raise Hint(
                f"with a None in the list, {added!r} was saved anyway. All or nothing means one "
                "transaction around the whole loop, committed once at the end: one engine.begin() "
                "block (not a commit per note)."
            )
        if raised is None:
            raise Hint(
                "with a None in the list nothing was saved (good), but no error reached the caller: "
                "let the exception propagate (engine.begin() rolls back and re-raises it)."
            )
    return "the notes go in together or not at all, and a failure reaches the caller."


def _normalised(got: Any) -> list[str]:
    """The learner's list of statements, whitespace-normalised, or a Hint about its shape."""
    if not isinstance(got, list):
        raise Hint(f"statements_sent should return a list of strings, not {type(got).__name__}.")
    if any(not isinstance(item, str) for item in got):
        raise Hint(
            "each item should be the SQL text (a str). The 'before_cursor_execute' event passes "
            "it as the `statement` argument."
        )
    return [" ".join(item.split()) for item in got]


def _listener_count(engine: Engine) -> int:
    return len(engine.dispatch.before_cursor_execute)


@exercise("nb00-statements", level=2)
def statements(answer: Any) -> str:
    with _note_database() as engine:
        with engine.connect() as conn:  # the engine's first connection asks the server a few things
            conn.execute(text("SELECT 1"))
        listeners = _listener_count(engine)

        def work() -> None:
            with engine.begin() as conn:
                conn.execute(text("SELECT count(*) FROM note"))
                conn.execute(text("INSERT INTO note (text) VALUES (:text)"), [{"text": "a"}, {"text": "b"}])
                conn.execute(text("DELETE FROM note WHERE text = :text"), {"text": "a"})

        expected = [
            "SELECT count(*) FROM note",
            "INSERT INTO note (text) VALUES (%(text)s)",
            "DELETE FROM note WHERE text = %(text)s",
        ]
        got = learner(answer, engine, work)
        if _listener_count(engine) > listeners:
            raise Hint(
                "a listener is still attached after statements_sent returned, so it would keep "
                "collecting: event.remove(engine, 'before_cursor_execute', your_function) at the end."
            )
        normalised = _normalised(got)
        if normalised != expected:
            if not got:
                raise Hint(
                    "no statement was collected: listen with event.listen(engine, 'before_cursor_execute', "
                    "...) before calling work(), and append each statement to a list."
                )
            raise Hint(
                f"work() sent {len(expected)} statements (the INSERT of two rows is one executemany), "
                f"but the list holds {len(got)}: {normalised!r}. Collect the `statement` argument of "
                "every 'before_cursor_execute' call made during work(), and only those."
            )
        again = learner(answer, engine, lambda: _select_two(engine))
        if _normalised(again) != ["SELECT 2"]:
            raise Hint(
                f"a second call, whose work() sends only SELECT 2, returned {again!r}: start a new "
                "list on each call."
            )

        def failing_work() -> None:
            _select_two(engine)
            raise ValueError("work failed")

        try:
            answer(engine, failing_work)
        except ValueError:
            pass
        except Exception as error:  # the learner's code failed in another way: tell them
            raise LearnerError("code", error) from error
        else:
            raise Hint("when work() raises, statements_sent should let the error reach the caller.")
        if _listener_count(engine) > listeners:
            raise Hint(
                "when work() raised, your listener stayed attached: remove it in a `finally:` block "
                "(try: work() finally: event.remove(...))."
            )
    return "your own show_sql: every statement, once, and no listener left behind."


def _select_two(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 2"))
