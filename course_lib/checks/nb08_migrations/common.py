"""What several of notebook 08's checks share."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from course_lib.exercises import Hint, LearnerError, check_database, learner, rows

# The notebook's tables at head (without in_stock), plus price_cents (nb08-cents-to-euros)
# and a second table that uses the enum type too (nb08-rename-format).
_SCHEMA = [
    "CREATE TYPE bookformat AS ENUM ('hardcover', 'paperback', 'ebook')",
    "CREATE TABLE author (id integer PRIMARY KEY, name varchar NOT NULL)",
    """CREATE TABLE book (
        id integer PRIMARY KEY,
        title varchar NOT NULL,
        published_year integer NOT NULL,
        format bookformat NOT NULL,
        author_id integer NOT NULL REFERENCES author (id),
        price_cents integer
    )""",
    """CREATE TABLE edition (
        id integer PRIMARY KEY,
        book_id integer NOT NULL REFERENCES book (id),
        format bookformat NOT NULL,
        copies integer NOT NULL
    )""",
]
_AUTHORS = [(1, "Gabriel García Márquez"), (2, "Antoine de Saint-Exupéry"), (3, "Франц Кафка")]
# (id, title, published_year, format, author_id, price_cents): NULL, 0 and 1 cent, an odd
# number of cents, a price above 1,000 euros.
_BOOKS = [
    (1, "Cien años de soledad", 1967, "paperback", 1, 1999),
    (2, "Le Petit Prince", 1943, "hardcover", 2, None),
    (3, "Превращение", 1915, "ebook", 3, 0),
    (4, "El amor en los tiempos del cólera", 1985, "paperback", 1, 5),
    (5, "Vol de nuit", 1931, "hardcover", 2, 250000),
    (6, "Der Process", 1925, "paperback", 3, 1),
]
_EDITIONS = [(1, 2, "paperback", 5000), (2, 2, "hardcover", 300), (3, 6, "paperback", 1200)]
_BOOK_COLUMNS = "id, title, published_year, format::text, author_id, price_cents"


@contextmanager
def _library() -> Iterator[Engine]:
    """A scratch database holding the tables above and their rows."""
    with check_database() as engine:
        with engine.begin() as conn:
            for statement in _SCHEMA:
                conn.execute(text(statement))
            conn.execute(
                text("INSERT INTO author VALUES (:id, :name)"), [dict(id=i, name=n) for i, n in _AUTHORS]
            )
            conn.execute(
                text("INSERT INTO book VALUES (:id, :title, :year, :format, :author_id, :price_cents)"),
                [
                    dict(zip(("id", "title", "year", "format", "author_id", "price_cents"), b, strict=True))
                    for b in _BOOKS
                ],
            )
            conn.execute(
                text("INSERT INTO edition VALUES (:id, :book_id, :format, :copies)"),
                [dict(zip(("id", "book_id", "format", "copies"), e, strict=True)) for e in _EDITIONS],
            )
        yield engine


def _pair(answer: Any) -> tuple[Callable, Callable]:
    if not (isinstance(answer, tuple | list) and len(answer) == 2):
        raise Hint(
            "answer with the revision's two functions, upgrade first: "
            f"answer = (upgrade_n, downgrade_n), not {type(answer).__name__}."
        )
    upgrade, downgrade = answer
    for name, function in (("upgrade", upgrade), ("downgrade", downgrade)):
        if not callable(function):
            raise Hint(
                f"the {name} part should be a function (def ...: op....), not {type(function).__name__}."
            )
    return upgrade, downgrade


def _sqlstate(error: LearnerError) -> str | None:
    orig = error.error.orig if isinstance(error.error, DBAPIError) else error.error
    return getattr(orig, "sqlstate", None)


def _run(engine: Engine, function: Callable) -> None:
    """Run a learner's upgrade() or downgrade() as Alembic runs a revision: one transaction, `op` bound."""
    # Alembic's INFO lines ("Context impl PostgresqlImpl.") would print in the learner's output
    # when the kernel's logging is configured by an alembic.ini: not the check's business.
    quiet = logging.getLogger("alembic.runtime.migration")
    level = quiet.level
    quiet.setLevel(logging.WARNING)
    try:
        with engine.begin() as conn:
            with Operations.context(MigrationContext.configure(conn)):
                learner(function)
    finally:
        quiet.setLevel(level)


def _columns(engine: Engine, table: str) -> dict[str, tuple[str, bool, str | None]]:
    """column -> (type as PostgreSQL shows it, NOT NULL?, default expression or None)."""
    found = rows(
        engine,
        """SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                  pg_get_expr(d.adbin, d.adrelid)
           FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
           WHERE a.attrelid = to_regclass(:table) AND a.attnum > 0 AND NOT a.attisdropped""",
        table=table,
    )
    return {name: (type_, notnull, default) for name, type_, notnull, default in found}


def _labels(engine: Engine) -> list[str] | None:
    """The labels of the enum type bookformat, in order; None if there is no such type."""
    if rows(engine, "SELECT to_regtype('bookformat')") == [(None,)]:
        return None
    return [label for (label,) in rows(engine, "SELECT unnest(enum_range(NULL::bookformat))::text")]


def _books(engine: Engine) -> list[tuple]:
    return rows(engine, f"SELECT {_BOOK_COLUMNS} FROM book ORDER BY id")


def _round_trip(
    engine: Engine, upgrade: Callable, downgrade: Callable, after_downgrade: Callable, at_head: Callable
) -> None:
    """downgrade(), probed by ``after_downgrade``; upgrade() again, probed by ``at_head``."""
    try:
        _run(engine, downgrade)
    except LearnerError as error:
        raise Hint(f"upgrade() worked, but downgrade() failed: {error}.") from None
    after_downgrade(engine)
    try:
        _run(engine, upgrade)
    except LearnerError as error:
        raise Hint(
            f"upgrade() -> downgrade() -> upgrade() failed the second time: {error}. "
            "Does downgrade() undo everything upgrade() did?"
        ) from None
    at_head(engine, again=True)


def _books_as_before(engine: Engine, before: list[tuple], what: str) -> None:
    after = _books(engine)
    if after != before:
        changed = next((b for a, b in zip(after, before, strict=False) if a != b), None)
        raise Hint(
            f"after downgrade() the books are not as they were before upgrade() ({what}): "
            f"{len(after)} rows instead of {len(before)}, first difference at {changed}."
        )
