"""The check of ``nb08-cents-to-euros``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.engine import Engine

from course_lib.checks.nb08_migrations.common import (
    _BOOKS,
    _books,
    _books_as_before,
    _columns,
    _library,
    _pair,
    _round_trip,
    _run,
)
from course_lib.exercises import Hint, exercise, rows

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
