"""Checks for notebooks/01_models.ipynb."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine
from sqlalchemy.orm import registry
from sqlalchemy.schema import CreateTable
from sqlmodel import Field, SQLModel

from course_lib.exercises import Hint, exercise


def _rejects(model: Any, data: dict[str, Any]) -> bool:
    try:
        model.model_validate(data)
    except ValidationError:
        return True
    return False


@exercise("nb01-task-create")
def task_create(answer: Any) -> str:
    if not (isinstance(answer, type) and issubclass(answer, SQLModel)):
        raise Hint("answer_1 should be the class itself (answer_1 = TaskCreate), a subclass of SQLModel.")
    if getattr(answer, "__table__", None) is not None:
        raise Hint("TaskCreate is a data model: leave out table=True (table models do not validate).")
    good = {"project_id": 1, "title": "Write the release notes"}
    try:
        task = answer.model_validate(good)
    except ValidationError as error:
        raise Hint(f"a valid task was rejected: {error.errors()[0]['msg']}") from None
    if getattr(task, "priority", None) != 2 or getattr(task, "description", "unset") is not None:
        raise Hint("priority should default to 2 and description to None.")
    if not _rejects(answer, {"title": "No project"}):
        raise Hint("project_id is required: give it no default.")
    if not _rejects(answer, {**good, "title": "ab"}) or not _rejects(answer, {**good, "title": "x" * 201}):
        raise Hint("title needs Field(min_length=3, max_length=200).")
    if not _rejects(answer, {**good, "priority": 0}) or not _rejects(answer, {**good, "priority": 5}):
        raise Hint("priority must be 1 to 4: Field(default=2, ge=1, le=4).")
    if _rejects(answer, {**good, "priority": 4, "title": "x" * 200, "description": "Fine."}):
        raise Hint("priority 4, a title of 200 characters and a description should all be accepted.")
    return "a data model validates on the way in."


@exercise("nb01-catalog")
def catalog(answer: Any, engine: Engine) -> str:
    with engine.connect() as conn:
        expected = [
            tuple(row)
            for row in conn.execute(
                text(
                    "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND table_name = 'project' "
                    "ORDER BY ordinal_position"
                )
            )
        ]
    if not isinstance(answer, list) or not all(isinstance(row, tuple) for row in answer):
        raise Hint("answer_2 should be a list of tuples: [tuple(row) for row in result].")
    if answer and len(answer[0]) != 3:
        raise Hint("each tuple holds three values: column_name, data_type, is_nullable.")
    if sorted(answer) == sorted(expected) and answer != expected:
        raise Hint("the right columns in the wrong order: ORDER BY ordinal_position.")
    if answer != expected:
        raise Hint(
            f"the project table has {len(expected)} columns; filter on table_name = 'project' "
            "and select column_name, data_type, is_nullable."
        )
    return f"{len(expected)} columns, straight from PostgreSQL's catalog."


@exercise("nb01-server-default")
def server_default(answer: Any) -> str:
    field = answer

    class Probe(SQLModel, registry=registry()):
        pass

    class Stamped(Probe, table=True):
        id: int | None = Field(default=None, primary_key=True)
        updated_at: datetime = field

    ddl = str(CreateTable(Stamped.__table__).compile(dialect=postgresql.dialect()))
    line = next(line for line in ddl.splitlines() if "updated_at" in line)
    if "DEFAULT" not in line:
        raise Hint(
            "no DEFAULT in the DDL: default_factory is Python's; add "
            'sa_column_kwargs={"server_default": func.now()}.'
        )
    if "now()" not in line.lower() and "current_timestamp" not in line.lower():
        raise Hint(f"the DDL says {line.strip()!r}: the server default should be now() (func.now()).")
    value = Stamped().updated_at
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise Hint("Python should fill it too: default_factory=lambda: datetime.now(UTC).")
    return "the database and Python both know the default."


@exercise("nb01-count-users")
def count_users(answer: Any, engine: Engine) -> str:
    if not isinstance(answer, str):
        raise Hint("answer_4 should be the SQL as a string.")
    with engine.connect() as conn:
        expected = conn.execute(text('SELECT count(*) FROM "user"')).scalar_one()
        try:
            got = conn.execute(text(answer)).scalar()
        except Exception as error:
            raise Hint(f"PostgreSQL rejected it: {type(error).__name__}") from None
    if got != expected:
        raise Hint(f"that returned {got!r}: unquoted, user means current_user. Quote the table name.")
    return f'{expected} rows; "user" quoted is the table.'
