"""The check of ``nb02-bulk-load``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from course_lib.checks.nb02_crud.common import _course_database, _scalars
from course_lib.exercises import Hint, LearnerError, exercise, learner

IMPORT_AT = datetime(2025, 5, 5, 8, 0, tzinfo=UTC)
IMPORTED = [
    {"project_id": 2, "title": "Import: first", "description": "from the CSV", "created_at": IMPORT_AT},
    {"project_id": 2, "title": "Import: second", "status": "done", "priority": 1, "created_at": IMPORT_AT},
    {
        "project_id": 4,
        "title": "Import: third, ünïcode",
        "description": None,
        "due_date": date(2025, 12, 31),
        "created_at": IMPORT_AT,
    },
    {"project_id": 4, "title": "Import: fourth", "assignee_id": 1, "priority": 3, "created_at": IMPORT_AT},
    {
        "project_id": 2,
        "title": "Import: fifth",
        "due_date": None,
        "status": "blocked",
        "created_at": IMPORT_AT,
    },
    {"project_id": 4, "title": "Import: sixth", "created_at": IMPORT_AT},
]
STORED_COLUMNS = "project_id, assignee_id, title, description, status, priority, due_date"


def _by_title(rows: Any) -> list[tuple]:
    return sorted(rows, key=lambda row: row[2])


def _expected_import() -> list[tuple]:
    return _by_title(
        (
            row["project_id"],
            row.get("assignee_id"),
            row["title"],
            row.get("description"),
            row.get("status", "todo"),
            row.get("priority", 2),
            row.get("due_date"),
        )
        for row in IMPORTED
    )


@exercise("nb02-bulk-load", level=3)
def bulk_load(answer: Any) -> str:
    with _course_database() as engine:
        before = _scalars(engine, "SELECT count(*) FROM task")[0]
        calls: list[tuple[str, bool]] = []

        def record(conn, cursor, statement, parameters, context, executemany):
            calls.append((statement, executemany))

        rows = [dict(row) for row in IMPORTED]
        event.listen(engine, "before_cursor_execute", record)
        try:
            with Session(engine) as session:
                returned = learner(answer, session, rows)
        except LearnerError as error:
            _explain_import_error(error)
            raise
        finally:
            event.remove(engine, "before_cursor_execute", record)
        inserts = [statement for statement, _ in calls if statement.lstrip().upper().startswith("INSERT")]
        with engine.connect() as conn:
            stored = _by_title(
                tuple(row)
                for row in conn.execute(
                    text(f"SELECT {STORED_COLUMNS} FROM task WHERE id > :last ORDER BY id"),
                    {"last": 16},
                )
            )
        if not stored:
            raise Hint(
                "no new task is in the table after load_tasks returned: commit at the end (session.commit())."
            )
        expected = _expected_import()
        if stored != expected:
            wrong = [row for row in stored if row not in expected]
            raise Hint(
                f"the stored rows differ, e.g. {wrong[0] if wrong else stored!r} (project_id, assignee_id, "
                "title, description, status, priority, due_date). A key missing from a row must take "
                "the model's default (status 'todo', priority 2); an explicit None stays NULL."
            )
        if len(inserts) != 1:
            raise Hint(
                f"the {len(IMPORTED)} rows went in with {len(inserts)} INSERT cursor calls, not one. "
                "Rows whose keys differ, or with None in different places, go in separate groups: give "
                "every row the same keys (filled with the model's defaults) and send None as NULL "
                "(render_nulls=True)."
            )
        if returned != len(IMPORTED) or isinstance(returned, bool):
            raise Hint(
                f"load_tasks should return how many rows it inserted ({len(IMPORTED)}), not {returned!r}."
            )
        after = _scalars(engine, "SELECT count(*) FROM task")[0]
        if after != before + len(IMPORTED):
            raise Hint("load_tasks should add the rows given and change nothing else.")
    return "one cursor call for all the rows, defaults where keys were missing, NULL where None was given."


def _explain_import_error(error: LearnerError) -> None:
    """A Hint for the two NOT NULL violations a learner meets here; otherwise let the error through."""
    cause = error.error
    if not isinstance(cause, IntegrityError):
        return
    message = str(cause.orig)
    if 'column "id"' in message:
        raise Hint(
            "id was sent as NULL: a row with id None and render_nulls=True asks for NULL, not for the "
            "sequence. Leave id out of the rows (model_dump(exclude={'id'}) or pick the keys you need)."
        ) from None
    for column in ("status", "priority", "created_at", "title", "project_id"):
        if f'column "{column}"' in message:
            raise Hint(
                f"{column} was sent as NULL: a key that is missing from a row is not the same as None. "
                f"Fill the missing keys with the model's defaults (Task.model_fields[{column!r}].default), "
                "and use None only where the row really says None."
            ) from None
