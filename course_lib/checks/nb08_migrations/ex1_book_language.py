"""The check of ``nb08-book-language``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from course_lib.checks.nb08_migrations.common import (
    _books,
    _books_as_before,
    _columns,
    _library,
    _pair,
    _round_trip,
    _run,
    _sqlstate,
)
from course_lib.exercises import Hint, LearnerError, exercise, rows


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
