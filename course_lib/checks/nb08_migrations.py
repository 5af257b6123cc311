"""Checks for notebooks/08_migrations.ipynb.

Every answer is a revision's ``(upgrade, downgrade)`` pair of functions written with
Alembic's ``op``. A check runs them the way Alembic runs a revision (one transaction,
``op`` bound to it, through :class:`alembic.operations.Operations`) on a scratch database
of its own (:func:`check_database`), whose tables are shaped like the notebook's at head
(``author``, ``book``, the ``bookformat`` enum) plus what the exercise needs, and filled
with books the notebook never showed. It then probes the result: the catalog (types,
NOT NULL, ``pg_get_expr`` of the default, the enum's labels), every row, a plain-SQL
``INSERT``, then ``downgrade()`` (every row as it was) and ``upgrade()`` again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from course_lib.exercises import Hint, LearnerError, check_database, exercise, learner, rows

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


# --- nb08-book-language ----------------------------------------------------------------------


def _probe_language(engine: Engine, again: bool = False) -> None:
    when = " (after upgrade -> downgrade -> upgrade)" if again else ""
    columns = _columns(engine, "book")
    if "language" not in columns:
        raise Hint(
            f"after upgrade(){when} book has no column language: op.add_column('book', sa.Column(...))."
        )
    type_, notnull, default = columns["language"]
    if not type_.startswith(("character", "text")):
        raise Hint(f"language holds text (sa.String()), not {type_}.")
    values = sorted({value for (value,) in rows(engine, "SELECT language FROM book")}, key=str)
    if values == [None]:
        raise Hint(
            "the books already there got NULL: a Python-side default= never reaches the database. "
            "Give the column a server_default, which PostgreSQL fills into the existing rows."
        )
    if values != ["en"]:
        quoted = " (server_default takes the text itself: it adds the quotes)" if "'en'" in values else ""
        raise Hint(f"the books already there got {values}, not ['en']{quoted}.")
    if not notnull:
        raise Hint("language still accepts NULL: the column must be NOT NULL (nullable=False).")
    if default is not None:
        raise Hint(
            f"a book inserted without a language still gets one, from the column's DEFAULT {default}: "
            "new books must say their language. The default was only there for the existing rows: "
            "remove it once they have their value (op.alter_column(..., server_default=None))."
        )
    with engine.connect() as conn:
        conn.begin()
        try:
            conn.execute(
                text(
                    "INSERT INTO book (id, title, published_year, format, author_id) "
                    "VALUES (100, 'Ficciones', 1944, 'paperback', 1)"
                )
            )
        except DBAPIError as error:  # the NOT NULL column without a default refuses it: right
            if getattr(error.orig, "sqlstate", None) != "23502":
                raise
        else:  # pragma: no cover - NOT NULL and no DEFAULT always refuse it
            raise Hint("a book inserted without a language was accepted: language must be NOT NULL.")
        finally:
            conn.rollback()


@exercise("nb08-book-language", level=1)
def book_language(answer: Any) -> str:
    upgrade, downgrade = _pair(answer)
    with _library() as engine:
        before = _books(engine)
        try:
            _run(engine, upgrade)
        except LearnerError as error:
            if _sqlstate(error) == "23502":  # not_null_violation
                raise Hint(
                    "PostgreSQL refused to add a NOT NULL column without a value for the rows already "
                    "there: give the column a server_default."
                ) from None
            raise
        _probe_language(engine)

        def after_downgrade(engine: Engine) -> None:
            if "language" in _columns(engine, "book"):
                raise Hint("after downgrade() book still has its language column: op.drop_column(...).")
            _books_as_before(engine, before, "every column but language")

        _round_trip(engine, upgrade, downgrade, after_downgrade, _probe_language)
    return (
        "the books already there say 'en', a new book must say its language; the round trip keeps every row."
    )


# --- nb08-cents-to-euros ---------------------------------------------------------------------

_CENTS = {book[0]: book[5] for book in _BOOKS}
_EUROS = {i: None if c is None else (Decimal(c) / 100).quantize(Decimal("0.01")) for i, c in _CENTS.items()}


def _probe_euros(engine: Engine, again: bool = False) -> None:
    when = " (after upgrade -> downgrade -> upgrade)" if again else ""
    columns = _columns(engine, "book")
    if "price" not in columns:
        raise Hint(f"after upgrade(){when} book has no column price.")
    if "price_cents" in columns:
        raise Hint("after upgrade() book still has price_cents: the price lives in one column, price.")
    type_ = columns["price"][0]
    if type_ != "numeric(10,2)":
        raise Hint(f"price should be NUMERIC(10, 2) (sa.Numeric(10, 2)), exact to the cent; it is {type_}.")
    got = dict(rows(engine, "SELECT id, price FROM book"))
    if got == _EUROS:
        return
    if all(got[i] is None for i, euros in _EUROS.items() if euros is not None):
        raise Hint(
            "every price is NULL: the values were lost. Adding a new column and dropping the old one "
            "moves no data; convert the column in place (op.alter_column with type_= and "
            "postgresql_using=...), or copy the values with an UPDATE before dropping price_cents."
        )
    if got == {i: None if c is None else Decimal(c // 100) for i, c in _CENTS.items()}:
        raise Hint(
            "1999 cents became 19.00: in SQL, integer / integer is an integer division. "
            "Divide by 100.0, or cast to numeric first."
        )
    if got == {i: None if c is None else Decimal(c) for i, c in _CENTS.items()}:
        raise Hint("the prices are still in cents (1999 is 19.99 euros): divide by 100.")
    wrong = sorted((i, _CENTS[i], got.get(i)) for i in _EUROS if got.get(i) != _EUROS[i])
    book_id, cents, euros = wrong[0]
    raise Hint(f"book {book_id}: {cents} cents became {euros}; expected {_EUROS[book_id]}.")


@exercise("nb08-cents-to-euros", level=2)
def cents_to_euros(answer: Any) -> str:
    upgrade, downgrade = _pair(answer)
    with _library() as engine:
        before = _books(engine)
        _run(engine, upgrade)
        _probe_euros(engine)

        def after_downgrade(engine: Engine) -> None:
            columns = _columns(engine, "book")
            if "price_cents" not in columns:
                raise Hint("after downgrade() book has no price_cents column: downgrade() brings it back.")
            if "price" in columns:
                raise Hint("after downgrade() book still has price: downgrade() leaves the old schema.")
            cents_type = columns["price_cents"][0]
            if cents_type != "integer":
                raise Hint(f"after downgrade() price_cents should be an integer again, not {cents_type}.")
            _books_as_before(engine, before, "price_cents back in cents, NULL still NULL")

        _round_trip(engine, upgrade, downgrade, after_downgrade, _probe_euros)
    return "cents became exact euros (NULL stayed NULL), and came back as the same cents."


# --- nb08-rename-format ----------------------------------------------------------------------

_RENAMED = {"paperback": "softcover"}


def _formats(engine: Engine) -> tuple[list[tuple], list[tuple]]:
    return (
        rows(engine, "SELECT id, format::text FROM book ORDER BY id"),
        rows(engine, "SELECT id, format::text FROM edition ORDER BY id"),
    )


def _expected_formats(mapping: dict[str, str]) -> tuple[list[tuple], list[tuple]]:
    return (
        [(b[0], mapping.get(b[3], b[3])) for b in _BOOKS],
        [(e[0], mapping.get(e[2], e[2])) for e in _EDITIONS],
    )


def _probe_softcover(engine: Engine, again: bool = False) -> None:
    when = " (after upgrade -> downgrade -> upgrade)" if again else ""
    labels = _labels(engine)
    if labels is None:
        raise Hint(f"after upgrade(){when} there is no type bookformat: the models still call it bookformat.")
    if "softcover" not in labels:
        raise Hint(f"after upgrade(){when} bookformat has no 'softcover': its values are {labels}.")
    if "paperback" in labels:
        raise Hint(
            f"after upgrade(){when} bookformat still offers 'paperback' ({labels}): new rows could still "
            "use the old name. The value itself must be renamed, not only the rows."
        )
    if sorted(labels) != ["ebook", "hardcover", "softcover"]:
        raise Hint(f"bookformat should offer hardcover, softcover and ebook; it offers {labels}.")
    books, editions = _formats(engine)
    expected_books, expected_editions = _expected_formats(_RENAMED)
    if books != expected_books:
        raise Hint(f"the books' formats after upgrade() are {books}; every paperback should be a softcover.")
    if editions != expected_editions:
        raise Hint(
            "the edition table uses bookformat too, and its formats after upgrade() are "
            f"{editions}: every column of that type must follow."
        )


@exercise("nb08-rename-format", level=3)
def rename_format(answer: Any) -> str:
    upgrade, downgrade = _pair(answer)
    with _library() as engine:
        before = _books(engine)
        try:
            _run(engine, upgrade)
        except LearnerError as error:
            if _sqlstate(error) == "55P04":  # unsafe_new_enum_value_usage
                raise Hint(
                    "a value added with ALTER TYPE ... ADD VALUE cannot be used before the transaction "
                    "commits, and a revision runs in one transaction. PostgreSQL can rename an enum "
                    "value in place (see the documentation of ALTER TYPE)."
                ) from None
            if _sqlstate(error) == "2BP01":  # dependent_objects_still_exist
                raise Hint(
                    "the old type cannot be dropped while a column still uses it: the edition table "
                    "has a bookformat column too."
                ) from None
            raise
        _probe_softcover(engine)

        def after_downgrade(engine: Engine) -> None:
            labels = _labels(engine)
            if labels is None or sorted(labels) != ["ebook", "hardcover", "paperback"]:
                raise Hint(
                    f"after downgrade() bookformat should offer hardcover, paperback, ebook, not {labels}."
                )
            if _formats(engine) != _expected_formats({}):
                raise Hint(
                    "after downgrade() every softcover (books and editions) should be a paperback again."
                )
            _books_as_before(engine, before, "paperback again")

        _round_trip(engine, upgrade, downgrade, after_downgrade, _probe_softcover)
    return "every row and every column of the type follow the renamed value, both ways."
