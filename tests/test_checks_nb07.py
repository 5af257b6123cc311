"""Each check of 07_indexing fails on wrong answers and passes on the right one (no database needed)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import DateTime, Index, create_engine, func, or_, text
from sqlmodel import Field, SQLModel, select

from course_lib.exercises import run_check

# Creating an engine opens no connection: these URLs are never connected to.
URL = "postgresql+psycopg://course@localhost/nb07_checks"


class Purchase(SQLModel, table=True):
    # the notebook's table, in a metadata of its own so as not to touch SQLModel.metadata
    metadata = SQLModel.metadata.__class__()
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int
    email: str
    status: str
    total: Decimal = Field(max_digits=10, decimal_places=2)
    created_at: datetime = Field(sa_type=DateTime(timezone=True))


def passes(exercise_id: str, answer: object) -> bool:
    return run_check(exercise_id, answer)[0]


def hint(exercise_id: str, answer: object) -> str:
    passed, message = run_check(exercise_id, answer)
    assert not passed, f"{exercise_id} accepted {answer!r}"
    return message


@pytest.mark.parametrize("exercise_id", ["nb07-plan-node", "nb07-column-order", "nb07-pool-settings"])
def test_unanswered(exercise_id):
    assert "not answered yet" in hint(exercise_id, ...)


def test_plan_node():
    assert passes("nb07-plan-node", "Index Only Scan")
    assert passes("nb07-plan-node", " index only  scan ")
    assert "INCLUDE" in hint("nb07-plan-node", "Index Scan")
    assert "EXPLAIN" in hint("nb07-plan-node", "Seq Scan")
    assert "not the node" in hint("nb07-plan-node", "Hash Join")
    assert "as text" in hint("nb07-plan-node", 3)


def test_column_order():
    assert passes("nb07-column-order", ("customer_id", "status", "created_at"))
    assert passes("nb07-column-order", ["status", "customer_id", "created_at"])
    assert "ORDER BY column last" in hint("nb07-column-order", ("created_at", "customer_id", "status"))
    assert "ORDER BY column last" in hint("nb07-column-order", ("customer_id", "created_at", "status"))
    assert "2 columns" in hint("nb07-column-order", ("customer_id", "created_at"))
    assert "compares with =" in hint("nb07-column-order", ("customer_id", "total", "created_at"))
    assert "tuple of column names" in hint("nb07-column-order", "customer_id, status, created_at")


def test_partial_index():
    table = Purchase.__table__
    right = Index("t_refunded_1", table.c.created_at, postgresql_where=table.c.status == "refunded")
    assert passes("nb07-partial-index", right)
    as_text = Index("t_refunded_2", table.c.created_at, postgresql_where=text("status = 'refunded'"))
    assert passes("nb07-partial-index", as_text)

    not_partial = Index("t_wrong_1", table.c.created_at)
    assert "postgresql_where" in hint("nb07-partial-index", not_partial)
    wrong_status = Index("t_wrong_2", table.c.created_at, postgresql_where=table.c.status == "pending")
    assert "refunded" in hint("nb07-partial-index", wrong_status)
    wider = Index(
        "t_wrong_3",
        table.c.created_at,
        postgresql_where=or_(table.c.status == "refunded", table.c.status == "cancelled"),
    )
    assert "keep only" in hint("nb07-partial-index", wider)
    wrong_column = Index("t_wrong_4", table.c.status, postgresql_where=table.c.status == "refunded")
    assert "created_at column only" in hint("nb07-partial-index", wrong_column)
    two_columns = Index(
        "t_wrong_5", table.c.status, table.c.created_at, postgresql_where=table.c.status == "refunded"
    )
    assert "created_at column only" in hint("nb07-partial-index", two_columns)
    gin = Index(
        "t_wrong_6",
        table.c.created_at,
        postgresql_where=table.c.status == "refunded",
        postgresql_using="brin",
    )
    assert "B-tree" in hint("nb07-partial-index", gin)
    assert "Index(...)" in hint("nb07-partial-index", "CREATE INDEX ...")


def test_expression_lookup():
    typed = "CUSTOMER4242@EXAMPLE.COM"
    assert passes(
        "nb07-expression-lookup", select(Purchase).where(func.lower(Purchase.email) == typed.lower())
    )
    assert passes(
        "nb07-expression-lookup", select(Purchase).where(func.lower(Purchase.email) == func.lower(typed))
    )

    assert "ILIKE" in hint("nb07-expression-lookup", select(Purchase).where(Purchase.email.ilike(typed)))
    assert "func.lower()" in hint(
        "nb07-expression-lookup", select(Purchase).where(Purchase.email == typed.lower())
    )
    assert "lower the typed email" in hint(
        "nb07-expression-lookup", select(Purchase).where(func.lower(Purchase.email) == typed)
    )
    assert "typed email" in hint(
        "nb07-expression-lookup", select(Purchase).where(func.lower(Purchase.email) == "someone@example.com")
    )
    assert "select(Purchase)" in hint("nb07-expression-lookup", "SELECT * FROM purchase")


def test_pool_settings():
    right = create_engine(URL, pool_size=3, max_overflow=2, pool_timeout=2, pool_pre_ping=True)
    assert passes("nb07-pool-settings", right)
    assert "pool_size" in hint("nb07-pool-settings", create_engine(URL, max_overflow=2, pool_timeout=2))
    assert "pool_size + max_overflow" in hint(
        "nb07-pool-settings",
        create_engine(URL, pool_size=3, max_overflow=5, pool_timeout=2, pool_pre_ping=True),
    )
    assert "no limit" in hint(
        "nb07-pool-settings",
        create_engine(URL, pool_size=3, max_overflow=-1, pool_timeout=2, pool_pre_ping=True),
    )
    assert "pool_timeout" in hint(
        "nb07-pool-settings",
        create_engine(URL, pool_size=3, max_overflow=2, pool_timeout=30, pool_pre_ping=True),
    )
    assert "pool_pre_ping" in hint(
        "nb07-pool-settings", create_engine(URL, pool_size=3, max_overflow=2, pool_timeout=2)
    )
    assert "create_engine" in hint("nb07-pool-settings", {"pool_size": 3})
