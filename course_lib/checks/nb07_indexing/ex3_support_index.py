"""Exercise 3: the composite index for the support team (``nb07-support-index``)."""

from __future__ import annotations

from typing import Any

from course_lib.checks.nb07_indexing.common import (
    _build_learner_index,
    _how_read,
    _index_scans,
    _not_btree,
    _plan_of_sql,
    _purchase_database,
    _sorts,
)
from course_lib.exercises import Hint, exercise

SUPPORT_QUERY = (
    "SELECT * FROM purchase WHERE customer_id = {customer} AND status = '{status}' "
    "ORDER BY created_at DESC LIMIT 10"
)
SUPPORT_PROBES = [(7, "shipped"), (311, "paid")]  # 25 and 55 rows: more than the LIMIT


@exercise("nb07-support-index", level=2)
def support_index(answer: Any) -> str:
    with _purchase_database() as engine:
        index = _build_learner_index(engine, answer)
        with engine.connect() as conn:
            plans = [
                _plan_of_sql(conn, SUPPORT_QUERY.format(customer=customer, status=status))
                for customer, status in SUPPORT_PROBES
            ]
    if index.method != "btree":
        raise _not_btree(index)
    filtered: set[str] = set()  # equality columns checked after the index, not in it
    for (customer, status), plan in zip(SUPPORT_PROBES, plans, strict=True):
        scans = _index_scans(plan, index.name)
        if not scans:
            if index.predicate is not None:
                raise Hint(
                    f"for status '{status}' PostgreSQL could not use your index: it is partial "
                    f"(where {index.predicate}), but the status changes from one call to the next."
                )
            raise Hint(
                f"PostgreSQL did not use your index for customer {customer} and status '{status}' "
                f"({_how_read(plan)}): index the columns the query compares with = and the one it sorts by."
            )
        if _sorts(plan):
            raise Hint(
                "the plan sorts the rows (a Sort node): put created_at in the index, after the columns "
                "compared with =, so that one customer's entries of one status come in created_at order."
            )
        condition = scans[0].get("Index Cond", "")
        filtered.update(column for column in ("customer_id", "status") if column not in condition)
    if filtered:
        column, other = ("status", "customer_id") if "status" in filtered else ("customer_id", "status")
        raise Hint(
            f"{column} is checked row by row after the index (a Filter in the plan), so the scan reads "
            f"rows it then throws away: add {column} to the index, next to {other}."
        )
    positions = {column: index.columns.index(column) for column in ("customer_id", "status", "created_at")}
    if positions["created_at"] < max(positions["customer_id"], positions["status"]):
        raise Hint(
            "created_at comes before a column compared with =: the scan then walks through the customer's "
            "purchases of every status to find 10 of one. Both equality columns first, then created_at."
        )
    return "equality columns first (in either order), then created_at: read backward, no sort, no filter."
