"""Exercise 2: a case-insensitive lookup that uses the expression index (``nb07-email-lookup``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from course_lib.checks.nb07_indexing.common import (
    _emails,
    _how_read,
    _index_scans,
    _plan_of,
    _purchase_database,
    _selected_ids,
)
from course_lib.exercises import Hint, exercise, learner

EMAIL_ROWS = """
INSERT INTO purchase (customer_id, email, status, total, created_at) VALUES
    (8001, 'Ann@Example.com', 'paid', 10, '2024-05-01'),
    (8001, 'ann@example.COM', 'paid', 11, '2024-05-02'),
    (8001, 'ANN@EXAMPLE.COM', 'shipped', 12, '2024-05-03'),
    (8002, 'anna@example.com', 'paid', 13, '2024-05-04'),
    (8003, 'a_b@example.com', 'paid', 14, '2024-05-05'),
    (8004, 'axb@example.com', 'paid', 15, '2024-05-06'),
    (8005, 'jo@Example.com', 'paid', 16, '2024-05-07'),
    (8006, 'mojo@example.com', 'paid', 17, '2024-05-08'),
    (8007, 'Zoë@Café.example', 'paid', 18, '2024-05-09'),
    (8007, 'ZOË@CAFÉ.EXAMPLE', 'paid', 19, '2024-05-10')
"""
#: What a learner types, in the order they are tried.
TYPED_EMAILS = [
    "ann@example.com",
    "ANN@Example.COM",
    "A_B@example.com",
    "JO@example.com",
    "zoë@café.example",
    "buyer42@SHOP.example",
    "nobody@example.com",
]
EMAIL_INDEX = "purchase_email_lower_idx"


@exercise("nb07-email-lookup", level=2)
def email_lookup(answer: Any) -> str:
    if not callable(answer):
        raise Hint("answer with your function itself: answer_2 = purchases_for_email (no parentheses).")
    with _purchase_database(EMAIL_ROWS, f"CREATE INDEX {EMAIL_INDEX} ON purchase (lower(email))") as engine:
        with engine.connect() as conn:
            # lower() folds non-ASCII letters as Python's str.lower() does, unless the database's
            # LC_CTYPE is "C": there, the two ways of lowering the typed text would disagree on 'ë'.
            folds = conn.execute(text("SELECT lower('ZOË') = 'zoë'")).scalar_one()
            for typed in TYPED_EMAILS if folds else [typed for typed in TYPED_EMAILS if typed.isascii()]:
                got = set(_selected_ids(conn, learner(answer, typed)))
                expected = set(
                    conn.execute(
                        text("SELECT id FROM purchase WHERE lower(email) = lower(:typed)"), {"typed": typed}
                    ).scalars()
                )
                if got - expected:
                    raise Hint(
                        f"for {typed!r} your query also returned the purchases of "
                        f"{_emails(conn, got - expected)}. LIKE and ILIKE read _ and % as wildcards, and "
                        "contains() matches a part of the text: compare whole emails with ==, in lower case "
                        "on both sides."
                    )
                if expected - got:
                    missed = _emails(conn, expected - got)
                    if typed == typed.lower():
                        raise Hint(
                            f"for {typed!r} your query missed {missed}: the stored emails have capitals. "
                            "Compare func.lower(Purchase.email), the expression the index stores."
                        )
                    raise Hint(
                        f"for {typed!r} your query missed {missed}: lower the typed email too "
                        "(typed.lower() or func.lower(typed)), so that both sides are in lower case."
                    )
            plan = _plan_of(conn, learner(answer, "Buyer42@Shop.example"))
        if not _index_scans(plan, EMAIL_INDEX):
            raise Hint(
                f"the right rows, but PostgreSQL read them with {_how_read(plan)}, not the index on "
                "lower(email): the condition must use the index's own expression, "
                "func.lower(Purchase.email) == ... (upper(), ILIKE or a cast cannot use it)."
            )
    return "whatever the case typed, lower(email) = lower(typed) finds the purchases through the index."
