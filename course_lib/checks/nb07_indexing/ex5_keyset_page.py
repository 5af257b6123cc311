"""Exercise 5: keyset pagination (``nb07-keyset-page``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Select

from course_lib.checks.nb07_indexing.common import (
    _how_read,
    _index_scans,
    _plan_of,
    _purchase_database,
    _sorts,
)
from course_lib.exercises import Hint, exercise, learner, learner_rows

# Customer 9001's purchases: several share a created_at, across the page boundaries; 9002 has none.
PAGED_HOURS = [10, 10, 10, 10, 10, 10, 9, 9, 8, 7, 7, 7, 6, 5, 4, 4, 3, 2, 2, 2, 2, 1, 0]
PAGED_ROWS = "\n".join(
    [
        "INSERT INTO purchase (customer_id, email, status, total, created_at) VALUES",
        ",\n".join(
            f"(9001, 'pager@example.com', 'paid', {n + 1}, "
            f"timestamptz '2024-06-01' + interval '{hours} hours')"
            for n, hours in enumerate(PAGED_HOURS)
        ),
    ]
)
PAGE_INDEX = "purchase_customer_created_id_idx"


def _walk(conn: Connection, answer: Any, customer: int, size: int) -> list[list[tuple[Any, int]]]:
    """Page through a customer's purchases with the learner's function: each page's (created_at, id)."""
    pages: list[list[tuple[Any, int]]] = []
    after = None
    seen: set[int] = set()
    for _ in range(40):
        statement = learner(answer, customer, after, size)
        if not isinstance(statement, Select):
            raise Hint(
                f"next_page should return a select(Purchase)... statement, not {type(statement).__name__}."
            )
        names = list(statement.selected_columns.keys())
        if "id" not in names or "created_at" not in names:
            raise Hint("select whole purchases, select(Purchase), so that id and created_at come back.")
        rows = learner_rows(conn, statement)
        page = [(row[names.index("created_at")], row[names.index("id")]) for row in rows]
        if not page:
            return pages
        if len(page) > size:
            raise Hint(f"asked for pages of {size}, a page came with {len(page)} rows: .limit(size).")
        repeated = sorted(seen & {row_id for _, row_id in page})
        if repeated:
            raise Hint(
                f"purchases {repeated} came back on two pages: a page starts strictly after the previous "
                "page's last row (<, not <=), and must use `after`."
            )
        seen.update(row_id for _, row_id in page)
        pages.append(page)
        after = page[-1]
    raise Hint("after 40 pages the purchases had not run out: each page must start after `after`.")


@exercise("nb07-keyset-page", level=3)
def keyset_page(answer: Any) -> str:
    if not callable(answer):
        raise Hint("answer with your function itself: answer_5 = next_page (no parentheses).")
    index_sql = f"CREATE INDEX {PAGE_INDEX} ON purchase (customer_id, created_at, id)"
    with _purchase_database(PAGED_ROWS, index_sql) as engine:
        with engine.connect() as conn:
            expected = [
                (created_at, row_id)
                for created_at, row_id in conn.execute(
                    text(
                        "SELECT created_at, id FROM purchase WHERE customer_id = 9001 "
                        "ORDER BY created_at DESC, id DESC"
                    )
                )
            ]
            first_page = learner_rows(conn, _checked_select(learner(answer, 9002, None, 5)))
            if first_page:
                raise Hint(
                    "customer 9002 has no purchases, yet the first page held rows: filter on the customer."
                )
            for size in (5, 7):
                pages = _walk(conn, answer, 9001, size)
                got = [row for page in pages for row in page]
                if any(len(page) < size for page in pages[:-1]):
                    raise Hint(f"with size={size} a page before the last held fewer rows: each page is full.")
                if got == expected:
                    continue
                if sorted(got) == sorted(expected):
                    if [t for t, _ in got] == [t for t, _ in expected]:
                        raise Hint(
                            "purchases made at the same moment came in another order: break ties with the "
                            "id, order_by(created_at.desc(), id.desc()), and compare the same pair."
                        )
                    raise Hint("newest first: order by created_at descending (then id descending).")
                missing = [row for row in expected if row not in got]
                boundary_times = {page[-1][0] for page in pages}
                if any(created_at in boundary_times for created_at, _ in missing):
                    raise Hint(
                        f"with size={size}, purchases made at the same moment as a page's last row were "
                        "lost: created_at < after alone skips them. Compare the pair (created_at, id) in one "
                        "go: tuple_(Purchase.created_at, Purchase.id) < tuple_(*after)."
                    )
                raise Hint(f"with size={size} the pages missed {len(missing)} of the customer's purchases.")
            second = _checked_select(learner(answer, 9001, expected[4], 5))
            plan = _plan_of(conn, second)
    scans = _index_scans(plan, PAGE_INDEX)
    if _sorts(plan) or not scans:
        how = "sorts the rows" if _sorts(plan) else f"reads them with {_how_read(plan)}"
        raise Hint(
            f"right pages, but PostgreSQL {how}: with the index on (customer_id, created_at, id), order by "
            "exactly those columns, newest first (created_at.desc(), id.desc()), so that a backward index "
            "scan hands over each page in order."
        )
    if "created_at" not in scans[0].get("Index Cond", ""):
        raise Hint(
            "right pages, but the scan starts at the customer's newest purchase and filters its way down to "
            "`after` (a Filter in the plan), like an OFFSET. Write the key as one row comparison, "
            "tuple_(Purchase.created_at, Purchase.id) < tuple_(*after), which the index can start from."
        )
    return "keyset pagination: each page starts in the index right after the last row, ties included."


def _checked_select(statement: Any) -> Select:
    if not isinstance(statement, Select):
        raise Hint(
            f"next_page should return a select(Purchase)... statement, not {type(statement).__name__}."
        )
    return statement
