"""Checks for notebooks/04_raw_sql.ipynb.

Each check receives the learner's answer and the notebook's engine, and compares
with what the database holds now, computed here with its own SQL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from course_lib.exercises import Hint, as_pairs, exercise, rows

HOSTILE_STATUSES = ["x' OR '1'='1", "it's", "done' --"]
UPSERT_NEW_EMAIL = "exercise.upsert@example.com"


@exercise("nb04-tasks-with-status")
def tasks_with_status(function: Callable[[Session, str], Any], engine: Engine) -> str:
    if not callable(function):
        raise Hint("pass the function itself: check('nb04-tasks-with-status', tasks_with_status, engine).")
    expected = [t for (t,) in rows(engine, "SELECT title FROM task WHERE status = 'blocked' ORDER BY title")]
    with Session(engine) as session:
        got = function(session, "blocked")
        if got is None:
            raise Hint("the function returned None: return the list of titles.")
        got = list(got)
        if got and not all(isinstance(title, str) for title in got):
            raise Hint("return plain titles (str): .scalars() gives the first column of each row.")
        if sorted(got) == expected and got != expected:
            raise Hint("the right titles, not in order: ORDER BY title.")
        if got != expected:
            raise Hint(f"for 'blocked' the database has {len(expected)} tasks, you returned {len(got)}.")
        for hostile in HOSTILE_STATUSES:
            session.rollback()
            try:
                leaked = list(function(session, hostile) or [])
            except Exception as error:
                raise Hint(
                    f"the input {hostile!r} broke the query ({type(error).__name__}): "
                    "bind the value with :status instead of pasting it into the SQL."
                ) from None
            if leaked:
                raise Hint(
                    f"the input {hostile!r} returned {len(leaked)} titles: it rewrote your SQL. "
                    "Bind the value with :status."
                )
    return f"{len(expected)} blocked tasks, and hostile input found nothing."


@exercise("nb04-busy-projects")
def busy_projects(answer: Any, engine: Engine) -> str:
    expected = rows(
        engine,
        """SELECT p.name, count(*) AS n FROM task t JOIN project p ON p.id = t.project_id
           WHERE t.status IN ('blocked', 'todo') AND t.priority <= 2
           GROUP BY p.name HAVING count(*) >= 5 ORDER BY n DESC, p.name""",
    )
    answer = as_pairs(answer, "answer_2", "(project name, count)")
    if sorted(answer) == sorted(expected) and answer != expected:
        raise Hint("the right pairs, in the wrong order: ORDER BY the count descending, then the name.")
    if len(answer) > len(expected):
        raise Hint("too many projects: HAVING count(*) >= 5 keeps only the busy ones.")
    if answer != expected:
        raise Hint(
            f"expected {len(expected)} projects; filter with WHERE status IN ('blocked', 'todo') "
            "AND priority <= 2 before grouping."
        )
    return f"{len(expected)} busy projects."


@exercise("nb04-latest-task-per-project")
def latest_task_per_project(answer: Any, engine: Engine) -> str:
    expected = dict(
        rows(
            engine,
            """SELECT DISTINCT ON (t.project_id) p.name, t.title
               FROM task t JOIN project p ON p.id = t.project_id
               ORDER BY t.project_id, t.created_at DESC""",
        )
    )
    if not isinstance(answer, dict):
        raise Hint(f"answer_3 should be a dict {{project name: title}}, not {type(answer).__name__}.")
    missing = sorted(set(expected) - set(answer))
    if missing:
        raise Hint(f"{missing[0]!r} is missing: every project that has tasks should be there.")
    wrong = sorted(name for name in expected if answer[name] != expected[name])
    if wrong:
        raise Hint(
            f"{wrong[0]!r}: {answer[wrong[0]]!r} is not its newest task; "
            "row_number() OVER (PARTITION BY project_id ORDER BY created_at DESC) = 1."
        )
    if set(answer) != set(expected):
        raise Hint("there are names in your dict that are not projects with tasks.")
    return f"{len(expected)} projects, one newest task each."


@exercise("nb04-upsert-user")
def upsert_user(function: Callable[..., Any], engine: Engine) -> str:
    if not callable(function):
        raise Hint("pass the function itself: check('nb04-upsert-user', upsert_user, engine).")
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with Session(engine) as session:
        existing_email, existing_id = session.execute(
            text('SELECT email, id FROM "user" ORDER BY id LIMIT 1')
        ).one()
        count = 'SELECT count(*) FROM "user"'
        before = session.execute(text(count)).scalar_one()
        new_exists = session.execute(
            text('SELECT count(*) FROM "user" WHERE email = :e'), {"e": UPSERT_NEW_EMAIL}
        )
        expected_after = before + (0 if new_exists.scalar_one() else 1)
        event.listen(engine, "before_cursor_execute", record)
        try:
            function(session, existing_email, "upserted_name", "Upserted Name")
            function(session, UPSERT_NEW_EMAIL, "exercise_upsert", "First Version")
            function(session, UPSERT_NEW_EMAIL, "exercise_upsert", "Second Version")
        finally:
            event.remove(engine, "before_cursor_execute", record)
        if not session.in_transaction():
            raise Hint("your function committed: leave committing to the caller.")
        updated = session.execute(
            text('SELECT username, full_name FROM "user" WHERE id = :id'), {"id": existing_id}
        ).one()
        new_rows = session.execute(
            text('SELECT full_name FROM "user" WHERE email = :e'), {"e": UPSERT_NEW_EMAIL}
        ).all()
        after = session.execute(text(count)).scalar_one()
        session.rollback()
    if tuple(updated) != ("upserted_name", "Upserted Name"):
        raise Hint("an existing email should update username and full_name: DO UPDATE SET ... = EXCLUDED....")
    if [tuple(r) for r in new_rows] != [("Second Version",)] or after != expected_after:
        raise Hint("a new email should be inserted once, and a second call should update that same row.")
    if not any("ON CONFLICT" in s.upper() for s in statements):
        raise Hint("do it in one statement with INSERT ... ON CONFLICT, not a SELECT then INSERT/UPDATE.")
    return "inserts new emails, updates existing ones, in one statement each."
