"""What several of notebook 05's checks share."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from course_lib.exercises import Hint, learner


def _table(answer: Any, name: str, answer_name: str) -> Table:
    table = getattr(answer, "__table__", None)
    if not isinstance(table, Table):
        raise Hint(f"{answer_name} should be the table model class itself (declared with table=True).")
    if table.name != name:
        raise Hint(f"the table should be named {name!r}, not {table.name!r}.")
    return table


def _create(table: Table, engine: Engine) -> None:
    """Create the learner's table (only it) in the check's database."""
    learner(table.create, engine)


def _column_type(conn: Connection, table: str, column: str) -> str | None:
    return conn.execute(
        text(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = CAST(:table AS regclass) AND attname = :column AND NOT attisdropped"
        ),
        {"table": table, "column": column},
    ).scalar()


def _accepts(engine: Engine, sql: str, **params: Any) -> bool:
    """Whether PostgreSQL accepts this INSERT (it is rolled back either way)."""
    with engine.connect() as conn:
        try:
            conn.execute(text(sql), params)
        except DBAPIError:
            return False
        finally:
            conn.rollback()
    return True
