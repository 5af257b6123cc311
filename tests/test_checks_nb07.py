"""The exercise checks of notebooks/07_indexing.ipynb: the reference passes, each wrong answer gets its hint.

The checks build the answers on scratch databases of their own (a ``purchase`` table
like the notebook's, other rows), so these tests need only the course's server.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from helpers import use_course_settings
from sqlalchemy import ARRAY, DateTime, Index, Text, func, or_, select, text, tuple_
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from course_lib.checks.nb07_indexing.common import reusing_databases
from course_lib.exercises import Status, run_check


@pytest.fixture(autouse=True)
def _server(embedded):
    """Every check here creates a scratch database on the course's embedded server."""


@pytest.fixture(scope="module")
def reused():
    """The checks of a test share each filled scratch database with the other tests that use this
    (built once per module, not once per answer); the reference tests build theirs afresh, as a
    learner's check does."""
    with pytest.MonkeyPatch.context() as env:
        use_course_settings(env)  # the shared embedded server, as `embedded` chooses it
        with reusing_databases():
            yield


class Base(SQLModel, registry=registry()):
    """Models of this test module's own (not SQLModel.metadata)."""


class Purchase(Base, table=True):
    """The notebook's table."""

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int
    email: str
    status: str
    total: Decimal = Field(max_digits=10, decimal_places=2)
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
    tags: list[str] = Field(default_factory=list, sa_type=ARRAY(Text))
    attrs: dict = Field(default_factory=dict, sa_type=JSONB)
    note: str | None = None


class Other(Base, table=True):
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(sa_type=DateTime(timezone=True))


def passes(exercise_id: str, answer) -> bool:
    result = run_check(exercise_id, answer)
    assert result.status is Status.PASSED, result
    return True


def hint(exercise_id: str, answer) -> str:
    result = run_check(exercise_id, answer)
    assert result.status is Status.NOT_YET, result
    return result.message


_names = iter(range(1_000_000))


def index(*columns, **options) -> Index:
    """A fresh Index on the test's Purchase table (each needs a name of its own)."""
    return Index(f"answer_{next(_names)}_idx", *columns, **options)


@pytest.mark.parametrize(
    "exercise_id",
    ["nb07-one-pending", "nb07-email-lookup", "nb07-support-index", "nb07-email-prefix", "nb07-keyset-page"],
)
def test_unanswered(exercise_id):
    assert run_check(exercise_id, ...).status is Status.NOT_ANSWERED


# --- nb07-one-pending ---------------------------------------------------------------------------------


def test_one_pending_reference_passes():
    pending = Purchase.status == "pending"
    assert passes("nb07-one-pending", index(Purchase.customer_id, unique=True, postgresql_where=pending))
    assert passes(
        "nb07-one-pending",
        index(
            Purchase.customer_id, Purchase.status, unique=True, postgresql_where=text("status = 'pending'")
        ),
    )


def test_one_pending_hints():
    pending = Purchase.status == "pending"
    assert "forbids more than it should" in hint("nb07-one-pending", index(Purchase.customer_id, unique=True))
    assert "forbids more than it should" in hint(
        "nb07-one-pending", index(Purchase.customer_id, Purchase.status, unique=True)
    )
    assert "must be unique (unique=True)" in hint(
        "nb07-one-pending", index(Purchase.customer_id, postgresql_where=pending)
    )
    with_refunds = Purchase.status.in_(["pending", "refunded"])
    assert "was refused, though it breaks no rule" in hint(
        "nb07-one-pending", index(Purchase.customer_id, unique=True, postgresql_where=with_refunds)
    )
    assert "forbids more than it should" in hint(
        "nb07-one-pending", index(Purchase.status, unique=True, postgresql_where=pending)
    )
    assert "not on 'other'" in hint("nb07-one-pending", index(Other.created_at, unique=True))
    assert "not attached to a table" in hint(
        "nb07-one-pending", Index("loose_idx", "customer_id", unique=True)
    )
    assert "Index(...)" in hint("nb07-one-pending", "CREATE UNIQUE INDEX ... WHERE status = 'pending'")


# --- nb07-email-lookup -----------------------------------------------------------------------------


def purchases_for_email(typed: str):
    return select(Purchase).where(func.lower(Purchase.email) == typed.lower())


def test_email_lookup_reference_passes():
    assert passes("nb07-email-lookup", purchases_for_email)


@pytest.mark.usefixtures("reused")
def test_email_lookup_lowered_in_sql_passes():
    assert passes(
        "nb07-email-lookup",
        lambda typed: select(Purchase).where(func.lower(Purchase.email) == func.lower(typed)),
    )


@pytest.mark.usefixtures("reused")
def test_email_lookup_hard_coded_fails():
    # the notebook's customer, whatever is typed
    hard_coded = lambda typed: select(Purchase).where(  # noqa: E731
        func.lower(Purchase.email) == "customer4242@example.com"
    )
    assert "missed" in hint("nb07-email-lookup", hard_coded)


@pytest.mark.usefixtures("reused")
def test_email_lookup_hints():
    assert "stored emails have capitals" in hint(
        "nb07-email-lookup", lambda typed: select(Purchase).where(Purchase.email == typed.lower())
    )
    assert "stored emails have capitals" in hint(
        "nb07-email-lookup", lambda typed: select(Purchase).where(Purchase.email == typed)
    )
    assert "lower the typed email too" in hint(
        "nb07-email-lookup", lambda typed: select(Purchase).where(func.lower(Purchase.email) == typed)
    )
    assert "wildcards" in hint(
        "nb07-email-lookup", lambda typed: select(Purchase).where(Purchase.email.ilike(typed))
    )
    assert "wildcards" in hint(
        "nb07-email-lookup",
        lambda typed: select(Purchase).where(func.lower(Purchase.email).contains(typed.lower())),
    )
    assert "index's own expression" in hint(
        "nb07-email-lookup", lambda typed: select(Purchase).where(func.upper(Purchase.email) == typed.upper())
    )
    assert "select(Purchase)" in hint(
        "nb07-email-lookup", lambda typed: f"SELECT * FROM purchase WHERE email = '{typed}'"
    )
    assert "select whole purchases" in hint(
        "nb07-email-lookup",
        lambda typed: select(Purchase.total).where(func.lower(Purchase.email) == typed.lower()),
    )
    assert "function itself" in hint("nb07-email-lookup", purchases_for_email("ann@example.com"))


@pytest.mark.usefixtures("reused")
def test_email_lookup_learner_error():
    result = run_check("nb07-email-lookup", lambda typed: typed.casefold(42))
    assert result.status is Status.LEARNER_ERROR
    assert "your code raised TypeError" in result.message


# --- nb07-support-index -------------------------------------------------------------------------


def test_support_index_reference_passes():
    assert passes("nb07-support-index", index(Purchase.customer_id, Purchase.status, Purchase.created_at))


@pytest.mark.usefixtures("reused")
def test_support_index_status_first_passes():
    assert passes("nb07-support-index", index(Purchase.status, Purchase.customer_id, Purchase.created_at))


@pytest.mark.usefixtures("reused")
def test_support_index_hints():
    assert "add status to the index" in hint(
        "nb07-support-index", index(Purchase.customer_id, Purchase.created_at)
    )
    assert "Both equality columns first" in hint(
        "nb07-support-index", index(Purchase.customer_id, Purchase.created_at, Purchase.status)
    )
    assert "a Sort node" in hint("nb07-support-index", index(Purchase.customer_id, Purchase.status))
    assert "Both equality columns first" in hint(
        "nb07-support-index", index(Purchase.created_at, Purchase.customer_id, Purchase.status)
    )
    assert "did not use your index" in hint("nb07-support-index", index(Purchase.total))
    assert "add customer_id to the index" in hint(
        "nb07-support-index", index(Purchase.status, Purchase.created_at)
    )
    assert "partial" in hint(
        "nb07-support-index",
        index(Purchase.customer_id, Purchase.created_at, postgresql_where=Purchase.status == "shipped"),
    )
    concurrently = index(
        Purchase.customer_id, Purchase.status, Purchase.created_at, postgresql_concurrently=True
    )
    result = run_check("nb07-support-index", concurrently)
    assert result.status is Status.LEARNER_ERROR
    assert "your index raised ActiveSqlTransaction" in result.message
    assert "HASH" in hint("nb07-support-index", index(Purchase.customer_id, postgresql_using="hash"))


# --- nb07-email-prefix --------------------------------------------------------------------------------


def prefix_reference(typed: str):
    return select(Purchase).where(func.lower(Purchase.email).startswith(typed.lower(), autoescape=True))


def test_email_prefix_reference_passes():
    assert passes("nb07-email-prefix", prefix_reference)


@pytest.mark.usefixtures("reused")
def test_email_prefix_hints():
    lowered = func.lower(Purchase.email)
    assert "wildcards" in hint(
        "nb07-email-prefix", lambda typed: select(Purchase).where(lowered.like(typed.lower() + "%"))
    )
    assert "START with the typed text" in hint(
        "nb07-email-prefix",
        lambda typed: select(Purchase).where(lowered.contains(typed.lower(), autoescape=True)),
    )
    assert "the stored emails have capitals" in hint(
        "nb07-email-prefix",
        lambda typed: select(Purchase).where(Purchase.email.startswith(typed, autoescape=True)),
    )
    assert "lower the typed text too" in hint(
        "nb07-email-prefix", lambda typed: select(Purchase).where(lowered.startswith(typed, autoescape=True))
    )
    assert "ILIKE (istartswith) cannot use a B-tree" in hint(
        "nb07-email-prefix",
        lambda typed: select(Purchase).where(Purchase.email.istartswith(typed, autoescape=True)),
    )
    assert "no parentheses" in hint("nb07-email-prefix", prefix_reference("ann"))


@pytest.mark.usefixtures("reused")
def test_email_prefix_hard_coded_output_fails():
    # the rows of one probe, copied: every other prefix gets them too
    assert "also returned" in hint(
        "nb07-email-prefix", lambda typed: select(Purchase).where(Purchase.id <= 3)
    )


# --- nb07-keyset-page -----------------------------------------------------------------------------------


def next_page(customer_id: int, after: tuple | None, size: int):
    statement = select(Purchase).where(Purchase.customer_id == customer_id)
    if after is not None:
        statement = statement.where(tuple_(Purchase.created_at, Purchase.id) < tuple_(*after))
    return statement.order_by(Purchase.created_at.desc(), Purchase.id.desc()).limit(size)


def test_keyset_page_reference_passes():
    assert passes("nb07-keyset-page", next_page)


@pytest.mark.usefixtures("reused")
def test_keyset_page_hard_coded_fails():
    fixed = [select(Purchase).where(Purchase.id.in_([1, 2, 3]))]
    assert "has no purchases" in hint("nb07-keyset-page", lambda customer_id, after, size: fixed[0])


def _variant(key=None, order=None, limit=True, customer=True):
    def page(customer_id, after, size):
        statement = select(Purchase)
        if customer:
            statement = statement.where(Purchase.customer_id == customer_id)
        if after is not None:
            statement = statement.where(key(after))
        statement = statement.order_by(*(order or (Purchase.created_at.desc(), Purchase.id.desc())))
        return statement.limit(size) if limit else statement

    return page


@pytest.mark.usefixtures("reused")
def test_keyset_page_hints():
    row_key = lambda after: tuple_(Purchase.created_at, Purchase.id) < tuple_(*after)  # noqa: E731
    time_only = lambda after: Purchase.created_at < after[0]  # noqa: E731
    at_or_before = lambda after: tuple_(Purchase.created_at, Purchase.id) <= tuple_(*after)  # noqa: E731
    spelled_out = lambda after: or_(  # noqa: E731
        Purchase.created_at < after[0], (Purchase.created_at == after[0]) & (Purchase.id < after[1])
    )
    assert "were lost" in hint("nb07-keyset-page", _variant(time_only))
    assert "on two pages" in hint("nb07-keyset-page", _variant(at_or_before))
    assert "like an OFFSET" in hint("nb07-keyset-page", _variant(spelled_out))
    ids_up_within_a_moment = lambda after: or_(  # noqa: E731
        Purchase.created_at < after[0], (Purchase.created_at == after[0]) & (Purchase.id > after[1])
    )
    assert "break ties with the id" in hint(
        "nb07-keyset-page",
        _variant(ids_up_within_a_moment, order=(Purchase.created_at.desc(), Purchase.id.asc())),
    )
    assert "on two pages" in hint(
        "nb07-keyset-page", _variant(row_key, order=(Purchase.created_at.desc(), Purchase.id.asc()))
    )
    oldest_first = lambda after: tuple_(Purchase.created_at, Purchase.id) > tuple_(*after)  # noqa: E731
    assert "newest first" in hint(
        "nb07-keyset-page", _variant(oldest_first, order=(Purchase.created_at, Purchase.id))
    )
    assert ".limit(size)" in hint("nb07-keyset-page", _variant(row_key, limit=False))
    assert "filter on the customer" in hint("nb07-keyset-page", _variant(row_key, customer=False))
    assert "on two pages" in hint(
        "nb07-keyset-page", lambda customer_id, after, size: next_page(customer_id, None, size)
    )
    assert "function itself" in hint("nb07-keyset-page", next_page(7, None, 5))
    assert "fewer rows" in hint(
        "nb07-keyset-page", lambda customer_id, after, size: next_page(customer_id, after, size - 1)
    )
    assert "should return a select" in hint(
        "nb07-keyset-page", lambda customer_id, after, size: "SELECT * FROM purchase"
    )
    assert "select whole purchases" in hint(
        "nb07-keyset-page",
        lambda customer_id, after, size: select(Purchase.total).where(Purchase.customer_id == customer_id),
    )
