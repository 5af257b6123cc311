"""Exercise 3: a default both Python and PostgreSQL know (``nb01-server-default``)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic.fields import FieldInfo
from sqlalchemy import text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from course_lib.exercises import Hint, check_database, exercise, learner


def _stamped_model(field: FieldInfo) -> type[SQLModel]:
    """A throw-away table model (a registry of its own) with the learner's field as updated_at."""

    class Probe(SQLModel, registry=registry()):
        pass

    class Stamped(Probe, table=True):
        __tablename__ = "stamped"
        id: int | None = Field(default=None, primary_key=True)
        note: str | None = None
        updated_at: datetime = field

    return Stamped


def _column_default(engine: Engine, table: str, column: str) -> str | None:
    """The column's server default as PostgreSQL stores it (pg_attrdef), or None."""
    with engine.connect() as conn:
        return conn.execute(
            text(
                """SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d
                   JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
                   WHERE d.adrelid = CAST(:table AS regclass) AND a.attname = :column"""
            ),
            {"table": table, "column": column},
        ).scalar()


@exercise("nb01-server-default", level=2)
def server_default(answer: Any) -> str:
    if not isinstance(answer, FieldInfo):
        raise Hint("answer_3 should be a Field(...) (the right-hand side of `updated_at: datetime = ...`).")
    model = learner(_stamped_model, answer)
    with check_database() as engine:
        try:
            model.metadata.create_all(engine)
        except DBAPIError as error:
            raise Hint(
                "PostgreSQL could not create the column "
                f"({type(error.orig).__name__}: {str(error.orig).splitlines()[0]}). A string "
                "server_default is sent as a quoted literal ('...'); for an SQL expression pass "
                'func.now() or text("now()").'
            ) from None
        stored = _column_default(engine, "stamped", "updated_at")
        if stored is None:
            raise Hint(
                "PostgreSQL has no DEFAULT for updated_at: default/default_factory stay on the Python "
                'side. Add sa_column_kwargs={"server_default": ...}.'
            )
        # Two rows in two transactions, apart in time, written by raw SQL (no Python default).
        stamps = []
        for _ in range(2):
            with engine.begin() as conn:
                conn.execute(text("SELECT pg_sleep(0.02)"))
                stamps.append(
                    conn.execute(
                        text(
                            "INSERT INTO stamped DEFAULT VALUES "
                            "RETURNING updated_at, transaction_timestamp(), clock_timestamp()"
                        )
                    ).one()
                )
        # An UPDATE written by SQLAlchemy (Core, as the ORM's flush does), a moment later.
        table = model.__table__
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_sleep(0.02)"))
            conn.execute(update(table).where(table.c.id == 1).values(note="edited"))
            updated = conn.execute(text("SELECT updated_at FROM stamped WHERE id = 1")).scalar_one()
    (first, first_start, _), (second, second_start, second_clock) = stamps
    if first == second:
        raise Hint(
            f"PostgreSQL stores your default as {stored}: a constant, the moment of CREATE TABLE, so "
            "every row gets the same frozen timestamp. A string server_default is a literal, which "
            'PostgreSQL read once, as a timestamp; pass an SQL expression: func.now() or text("now()").'
        )
    slack = timedelta(seconds=5)
    if not (first_start - slack <= first <= second_start + slack and second <= second_clock + slack):
        raise Hint(f"rows inserted now got {second:%Y-%m-%d %H:%M}: the default should be the current time.")
    if updated <= first:
        raise Hint(
            "after an UPDATE written by SQLAlchemy, updated_at still holds the INSERT's time: the Column "
            "option onupdate= (in sa_column_kwargs, next to server_default) gives the value for UPDATEs."
        )
    first_object = model()
    time.sleep(0.01)
    values = [first_object.updated_at, model().updated_at]
    if not all(isinstance(value, datetime) for value in values):
        raise Hint(
            "a Stamped() built in Python has no updated_at: add default_factory so Python fills it too."
        )
    if any(value.tzinfo is None or value.utcoffset() != timedelta(0) for value in values):
        raise Hint("Python's value should be aware and in UTC: default_factory=lambda: datetime.now(UTC).")
    if values[0] == values[1]:
        raise Hint(
            "two objects built at different moments got the same updated_at: default= is evaluated once, "
            "when the class is defined. Use default_factory= (a function, called for each object)."
        )
    if abs(datetime.now(UTC) - values[1]) > slack:
        raise Hint("Python's value is not the current time: default_factory=lambda: datetime.now(UTC).")
    return (
        f"PostgreSQL stores {stored}, evaluated for every row; SQLAlchemy refreshes it on UPDATE, "
        "and Python fills the object too."
    )
