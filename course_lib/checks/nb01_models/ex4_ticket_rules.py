"""Exercise 4: a table whose rules PostgreSQL enforces (``nb01-ticket-rules``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData, Table, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from course_lib.exercises import Hint, check_database, exercise

TICKET_COLUMNS = ("title", "status", "closed_at")


def _probe(engine: Engine, table: str, values: dict[str, str]) -> tuple[bool, tuple | None]:
    """Insert one row by raw SQL (``values`` are SQL expressions); (accepted, the row read back)."""
    columns = ", ".join(values)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(values.values())}) RETURNING status, closed_at"
    try:
        with engine.begin() as conn:
            return True, tuple(conn.execute(text(sql)).one())
    except (IntegrityError, DBAPIError):
        return False, None


@exercise("nb01-ticket-rules", level=3)
def ticket_rules(answer: Any) -> str:
    table = getattr(answer, "__table__", None)
    if not isinstance(answer, type) or not isinstance(table, Table):
        raise Hint("answer_4 should be a table model class (class Ticket(SQLModel, table=True): ...).")
    missing = [name for name in TICKET_COLUMNS if name not in table.c]
    if missing:
        raise Hint(f"the table has no column {missing[0]!r}: name the fields title, status and closed_at.")
    copy = table.to_metadata(MetaData())
    with check_database() as engine:
        try:
            copy.metadata.create_all(engine)
        except DBAPIError as error:
            raise Hint(
                f"PostgreSQL refused to create the table ({type(error.orig).__name__}: "
                f"{str(error.orig).splitlines()[0]})."
            ) from None
        name = engine.dialect.identifier_preparer.format_table(copy)
        title = "'Printer on fire'"

        accepted, row = _probe(engine, name, {"title": title})
        if not accepted:
            raise Hint(
                "a raw INSERT naming only the title was refused: PostgreSQL must fill status itself. "
                "A Python default is not enough; give status a server_default of 'open'."
            )
        if row != ("open", None):
            raise Hint(
                f"a raw INSERT naming only the title stored status={row[0]!r}: the server default is 'open'."
            )
        if _probe(engine, name, {"title": title, "status": "NULL"})[0]:
            raise Hint(
                "status NULL was accepted: make the column NOT NULL (a plain str). A CHECK alone lets NULL "
                "through, because a CHECK fails only when its condition is false, and NULL is not false."
            )
        if _probe(engine, name, {"title": title, "status": "'shut'"})[0]:
            raise Hint(
                "status 'shut' was accepted: a CHECK constraint should allow only 'open' and 'closed'."
            )
        if not _probe(engine, name, {"title": title, "status": "'closed'", "closed_at": "now()"})[0]:
            raise Hint("a closed ticket with its closed_at was refused: that one is valid.")
        if _probe(engine, name, {"title": title, "status": "'closed'", "closed_at": "NULL"})[0]:
            raise Hint(
                "a closed ticket without closed_at was accepted. A rule across two columns is a table "
                "constraint: __table_args__ = (CheckConstraint(...),)."
            )
        if _probe(engine, name, {"title": title, "status": "'open'", "closed_at": "now()"})[0]:
            raise Hint(
                "an open ticket with a closed_at was accepted: closed_at is set exactly when the status is "
                "'closed', in both directions."
            )
        if _probe(engine, name, {"title": "NULL"})[0]:
            raise Hint("a ticket without a title was accepted: title is required (NOT NULL).")
        if _probe(engine, name, {"title": "repeat('x', 201)"})[0]:
            raise Hint("a title of 201 characters was accepted: Field(max_length=200) makes it VARCHAR(200).")
        if not _probe(engine, name, {"title": "repeat('é', 200)"})[0]:
            raise Hint("a title of 200 characters was refused: the limit is 200, and it counts characters.")
    return "PostgreSQL itself fills the status and refuses every invalid ticket, whoever writes it."
