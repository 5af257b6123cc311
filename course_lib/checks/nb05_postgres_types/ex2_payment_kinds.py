"""Exercise 2: charges and refunds (``nb05-payment-kinds``)."""

from __future__ import annotations

from typing import Any

from course_lib.checks.nb05_postgres_types.common import _accepts, _column_type, _create, _table
from course_lib.exercises import Hint, check_database, exercise

PAYMENT_INSERT = "INSERT INTO payment (kind, amount) VALUES (:kind, CAST(:amount AS numeric))"


@exercise("nb05-payment-kinds", level=2)
def payment_kinds(answer: Any) -> str:
    table = _table(answer, "payment", "answer_2")
    for column in ("kind", "amount"):
        if column not in table.c:
            raise Hint(f"add a field named {column}.")
    with check_database() as engine:
        _create(table, engine)
        with engine.connect() as conn:
            amount_type = _column_type(conn, "payment", "amount")
        if amount_type in ("double precision", "real"):
            raise Hint(f"amount is {amount_type}: money needs Decimal (numeric), never float.")
        if amount_type != "numeric(12,2)":
            raise Hint(
                f"amount is {amount_type}: Field(max_digits=12, decimal_places=2) gives numeric(12,2)."
            )

        def accepts(kind: str | None, amount: str) -> bool:
            return _accepts(engine, PAYMENT_INSERT, kind=kind, amount=amount)

        if not accepts("charge", "10.00"):
            raise Hint(
                "a charge of 10.00 was refused: a CHECK constraint states what every row must satisfy "
                "(charges above zero), not what is forbidden."
            )
        if not accepts("refund", "-10.00"):
            raise Hint("a refund of -10.00 was refused: refunds are recorded as negative amounts.")
        if not (accepts("charge", "0.01") and accepts("refund", "-0.01")):
            raise Hint("a charge of 0.01 or a refund of -0.01 was refused: only zero is out.")
        if accepts("charge", "-5.00"):
            raise Hint(
                "a charge of -5.00 got through: the sign rule depends on the kind; combine both in one CHECK."
            )
        if accepts("refund", "5.00"):
            raise Hint("a refund of +5.00 got through: a refund's amount must be below zero.")
        if accepts("charge", "0") or accepts("refund", "0"):
            raise Hint(
                "an amount of 0.00 got through: neither a charge nor a refund (> and <, not >= or <=)."
            )
        if accepts("gift", "5.00"):
            raise Hint("kind 'gift' got through: only 'charge' and 'refund' are kinds.")
        if accepts(None, "5.00") or accepts(None, "-5.00"):
            raise Hint(
                "a payment without a kind got through: a CHECK whose condition is NULL passes. "
                "Make kind NOT NULL (a str field, not str | None)."
            )
    return "PostgreSQL refuses every payment that breaks the rule, and a missing kind too."
