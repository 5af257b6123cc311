"""The exercise checks of notebooks/00_setup.ipynb: the reference passes, each wrong answer gets its hint.

The checks run the answers on scratch databases of their own, so these tests need no
table of their own: only the course's server.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import registry
from sqlmodel import Field, Session, SQLModel

from course_lib.exercises import Status, run_check


@pytest.fixture(autouse=True)
def _server(embedded):
    """Every check here creates a scratch database on the course's embedded server."""


def hint(result) -> str:
    assert result.status is Status.NOT_YET, result
    return result.message


# --- nb00-add-note ----------------------------------------------------------------------------


def add_note_solution(engine, note_text):
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO note (text) VALUES (:text)"), {"text": note_text})


def test_add_note_reference_passes():
    assert run_check("nb00-add-note", add_note_solution).passed


class Base(SQLModel, registry=registry()):
    """Models of this test module's own (not SQLModel.metadata)."""


class Note(Base, table=True):
    id: int | None = Field(default=None, primary_key=True)
    text: str


def test_add_note_with_the_orm_passes():
    def add_note(engine, note_text):
        with Session(engine) as session:
            session.add(Note(text=note_text))
            session.commit()

    assert run_check("nb00-add-note", add_note).passed


def test_add_note_without_commit_is_told_to_commit():
    def add_note(engine, note_text):
        with engine.connect() as connection:
            connection.execute(text("INSERT INTO note (text) VALUES (:text)"), {"text": note_text})

    assert "connection.commit()" in hint(run_check("nb00-add-note", add_note))


def test_add_note_pasting_the_text_into_the_sql_is_told_to_bind_it():
    def add_note(engine, note_text):
        with engine.begin() as connection:
            connection.execute(text(f"INSERT INTO note (text) VALUES ('{note_text}')"))

    assert "bound parameter" in hint(run_check("nb00-add-note", add_note))


def test_add_note_hard_coded_text_fails():
    def add_note(engine, note_text):
        add_note_solution(engine, "first note")

    assert "exactly the text given" in hint(run_check("nb00-add-note", add_note))


def test_add_note_not_a_function():
    result = run_check("nb00-add-note", None)
    assert not result.passed and "function" in result.message


# --- nb00-all-or-nothing ----------------------------------------------------------------------


def add_notes_solution(engine, texts):
    with engine.begin() as connection:
        for note_text in texts:
            connection.execute(text("INSERT INTO note (text) VALUES (:text)"), {"text": note_text})


def test_all_or_nothing_reference_passes():
    assert run_check("nb00-all-or-nothing", add_notes_solution).passed


def test_all_or_nothing_commit_per_note_is_told_one_transaction():
    def add_notes(engine, texts):
        for note_text in texts:
            add_note_solution(engine, note_text)

    message = hint(run_check("nb00-all-or-nothing", add_notes))
    assert "['four'] was saved anyway" in message and "one engine.begin()" in message


def test_all_or_nothing_never_committed_is_told_to_commit():
    def add_notes(engine, texts):
        with engine.connect() as connection:
            for note_text in texts:
                connection.execute(text("INSERT INTO note (text) VALUES (:text)"), {"text": note_text})

    assert "must be committed" in hint(run_check("nb00-all-or-nothing", add_notes))


def test_all_or_nothing_swallowing_the_error_is_told_to_let_it_propagate():
    def add_notes(engine, texts):
        try:
            add_notes_solution(engine, texts)
        except Exception:
            pass

    assert "let the exception propagate" in hint(run_check("nb00-all-or-nothing", add_notes))


def test_all_or_nothing_hard_coded_fails():
    def add_notes(engine, texts):
        add_notes_solution(engine, ["one", "two", "three"])

    assert "an empty list should add nothing" in hint(run_check("nb00-all-or-nothing", add_notes))


# --- nb00-statements --------------------------------------------------------------------------


def statements_sent_solution(engine, work):
    statements = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", remember)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    return statements


def test_statements_reference_passes():
    assert run_check("nb00-statements", statements_sent_solution).passed


def test_statements_listener_left_attached():
    def statements_sent(engine, work):
        statements = []
        event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        work()
        return statements

    assert "still attached" in hint(run_check("nb00-statements", statements_sent))


def test_statements_listener_not_removed_when_work_raises():
    def statements_sent(engine, work):
        statements = []

        def remember(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", remember)
        work()
        event.remove(engine, "before_cursor_execute", remember)
        return statements

    assert "finally:" in hint(run_check("nb00-statements", statements_sent))


def test_statements_shared_list_between_calls():
    collected = []

    def statements_sent(engine, work):
        def remember(conn, cursor, statement, parameters, context, executemany):
            collected.append(statement)

        event.listen(engine, "before_cursor_execute", remember)
        try:
            work()
        finally:
            event.remove(engine, "before_cursor_execute", remember)
        return collected

    assert "start a new list on each call" in hint(run_check("nb00-statements", statements_sent))


def test_statements_clause_objects_instead_of_strings():
    def statements_sent(engine, work):
        statements = []

        def remember(conn, clauseelement, multiparams, params, execution_options):
            statements.append(clauseelement)

        event.listen(engine, "before_execute", remember)
        try:
            work()
        finally:
            event.remove(engine, "before_execute", remember)
        return statements

    assert "should be the SQL text" in hint(run_check("nb00-statements", statements_sent))


def test_statements_counting_each_row_of_an_executemany_fails():
    def statements_sent(engine, work):
        statements = []

        def remember(conn, cursor, statement, parameters, context, executemany):
            statements.extend([statement] * (len(parameters) if executemany else 1))

        event.listen(engine, "before_cursor_execute", remember)
        try:
            work()
        finally:
            event.remove(engine, "before_cursor_execute", remember)
        return statements

    assert "one executemany" in hint(run_check("nb00-statements", statements_sent))


def test_statements_hard_coded_list_fails():
    def statements_sent(engine, work):
        work()
        return [
            "SELECT count(*) FROM note",
            "INSERT INTO note (text) VALUES (%(text)s)",
            "DELETE FROM note WHERE text = %(text)s",
        ]

    assert "start a new list on each call" in hint(run_check("nb00-statements", statements_sent))


def test_statements_nothing_collected():
    def statements_sent(engine, work):
        work()
        return []

    assert "no statement was collected" in hint(run_check("nb00-statements", statements_sent))
