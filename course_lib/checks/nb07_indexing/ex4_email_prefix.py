"""Exercise 4: a case-insensitive prefix search that uses an index (``nb07-email-prefix``)."""

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

PREFIX_ROWS = """
INSERT INTO purchase (customer_id, email, status, total, created_at) VALUES
    (8101, 'Ann@Example.com', 'paid', 10, '2024-05-01'),
    (8101, 'ann@example.COM', 'paid', 11, '2024-05-02'),
    (8102, 'ANNA@example.com', 'shipped', 12, '2024-05-03'),
    (8103, 'bo.ann@example.com', 'paid', 13, '2024-05-04'),
    (8104, 'a_b@example.com', 'paid', 14, '2024-05-05'),
    (8105, 'axb@example.com', 'paid', 15, '2024-05-06'),
    (8106, '50%off@deals.example', 'paid', 16, '2024-05-07'),
    (8107, '50x@deals.example', 'paid', 17, '2024-05-08'),
    (8108, 'Zoë@Café.example', 'paid', 18, '2024-05-09'),
    (8108, 'ZOËLLE@example.com', 'paid', 19, '2024-05-10')
"""
#: What a learner types into the search box, in the order they are tried.
TYPED_PREFIXES = ["ann", "ANN@", "a_b", "50%", "Buyer42", "zoë", "nobody"]
PREFIX_INDEX = "purchase_email_lower_pattern_idx"


@exercise("nb07-email-prefix", level=2)
def email_prefix(answer: Any) -> str:
    if not callable(answer):
        raise Hint("answer with your function itself: answer_4 = emails_starting_with (no parentheses).")
    index_sql = f"CREATE INDEX {PREFIX_INDEX} ON purchase (lower(email) text_pattern_ops)"
    with _purchase_database(PREFIX_ROWS, index_sql) as engine:
        with engine.connect() as conn:
            folds = conn.execute(text("SELECT lower('ZOË') = 'zoë'")).scalar_one()
            for typed in TYPED_PREFIXES if folds else [typed for typed in TYPED_PREFIXES if typed.isascii()]:
                got = set(_selected_ids(conn, learner(answer, typed)))
                expected = set(
                    conn.execute(
                        text("SELECT id FROM purchase WHERE left(lower(email), length(:t)) = lower(:t)"),
                        {"t": typed},
                    ).scalars()
                )
                if got - expected:
                    extra = _emails(conn, got - expected)
                    if "_" in typed or "%" in typed:
                        raise Hint(
                            f"for {typed!r} your query also returned {extra}: LIKE reads _ and % in the "
                            "typed text as wildcards. startswith(..., autoescape=True) escapes them."
                        )
                    raise Hint(
                        f"for {typed!r} your query also returned {extra}: the email must START with the "
                        "typed text (startswith, LIKE 'text%'), not contain it."
                    )
                if expected - got:
                    missed = _emails(conn, expected - got)
                    if typed == typed.lower():
                        raise Hint(
                            f"for {typed!r} your query missed {missed}: the stored emails have capitals. "
                            "Search func.lower(Purchase.email), the expression the index stores."
                        )
                    raise Hint(
                        f"for {typed!r} your query missed {missed}: lower the typed text too "
                        "(typed.lower()), so that both sides are in lower case."
                    )
            plan = _plan_of(conn, learner(answer, "Buyer42"))
        if not _index_scans(plan, PREFIX_INDEX):
            raise Hint(
                f"the right rows, but PostgreSQL read them with {_how_read(plan)}, not the index on "
                "lower(email) text_pattern_ops. ILIKE (istartswith) cannot use a B-tree; LIKE with a "
                "constant prefix on the index's own expression can: "
                "func.lower(Purchase.email).startswith(...)."
            )
    return (
        "lower(email) LIKE 'prefix%' with the wildcards escaped: the right rows, through the pattern index."
    )
