"""The exercise checks of notebooks/05_postgres_types.ipynb: the reference passes, wrong answers get hints.

The checks run queries and create models on scratch databases of their own, so these tests need only
the course's server. Every model is declared on a base with a registry of its own, so it never touches
SQLModel.metadata.
"""

import uuid
from decimal import Decimal

import pytest
from helpers import assert_hint, assert_learner_error, assert_not_answered, assert_passes
from sqlalchemy import CheckConstraint, String, any_, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel, select


@pytest.fixture(autouse=True)
def _server(embedded):
    """Every check here creates a scratch database on the course's embedded server."""


def fresh_base() -> type[SQLModel]:
    class Base(SQLModel, registry=registry()):
        pass

    return Base


# --- nb05-tags-none -----------------------------------------------------------------------------


def product_model():
    class Product(fresh_base(), table=True):
        id: int | None = Field(default=None, primary_key=True)
        name: str
        attributes: dict = Field(default_factory=dict, sa_type=JSONB)
        tags: list[str] = Field(default_factory=list, sa_type=ARRAY(String))

    return Product


def test_tags_none_reference_passes():
    Product = product_model()
    assert_passes(
        "nb05-tags-none",
        select(Product.name).where(~Product.tags.overlap(["kitchen", "home"])).order_by(Product.id),
    )
    assert_passes(
        "nb05-tags-none", "SELECT name FROM product WHERE NOT tags && '{kitchen,home}'::varchar[] ORDER BY id"
    )


def test_tags_none_hard_coded_output_fails():
    copied = "SELECT * FROM (VALUES ('Desk lamp'), ('Office chair'), ('USB cable')) AS t(name)"
    assert_hint("nb05-tags-none", copied, contains="do not copy the notebook's output")


def test_tags_none_wrong_answers_get_their_hint():
    Product = product_model()
    overlap = select(Product.name).where(Product.tags.overlap(["kitchen", "home"])).order_by(Product.id)
    assert_hint("nb05-tags-none", overlap, contains="negation of 'at least one of these'")
    any_not = select(Product.name).where(any_(Product.tags) != "kitchen").order_by(Product.id)
    assert_hint("nb05-tags-none", any_not, contains="it has one of the tags")
    tagged_only = (
        "SELECT name FROM product WHERE cardinality(tags) > 0 "
        "AND NOT tags && '{kitchen,home}'::varchar[] ORDER BY id"
    )
    assert_hint("nb05-tags-none", tagged_only, contains="no tags at all")
    by_name = select(Product.name).where(~Product.tags.overlap(["kitchen", "home"])).order_by(Product.name)
    assert_hint("nb05-tags-none", by_name, contains="order by id")
    whole_rows = select(Product.id, Product.name).where(~Product.tags.overlap(["kitchen", "home"]))
    assert_hint("nb05-tags-none", whole_rows, contains="select the name only")
    assert_learner_error("nb05-tags-none", "SELECT name FROM products", contains="UndefinedTable")
    assert_not_answered("nb05-tags-none", ...)


# --- nb05-payment-kinds -------------------------------------------------------------------------

SIGN_BY_KIND = "(kind = 'charge' AND amount > 0) OR (kind = 'refund' AND amount < 0)"


def payment_model(*checks: str, kind_type=str, amount_field=None, amount_type=Decimal):
    class Payment(fresh_base(), table=True):
        id: int | None = Field(default=None, primary_key=True)
        kind: kind_type
        amount: amount_type = (
            amount_field if amount_field is not None else Field(max_digits=12, decimal_places=2)
        )
        __table_args__ = tuple(CheckConstraint(check) for check in checks)

    return Payment


def test_payment_kinds_reference_passes():
    assert_passes("nb05-payment-kinds", payment_model(SIGN_BY_KIND))
    assert_passes(
        "nb05-payment-kinds",
        payment_model(
            "kind IN ('charge', 'refund')",
            "amount <> 0",
            "(kind = 'charge') = (amount > 0)",
        ),
    )


@pytest.mark.parametrize(
    ("checks", "hint"),
    [
        (["amount < 0"], "a charge of 10.00 was refused"),  # issue 9: this used to pass
        (["amount > 0"], "refunds are recorded as negative"),
        (["kind = 'charge' AND amount > 0 OR amount < 0"], "a charge of -5.00 got through"),
        (["kind = 'refund' AND amount < 0 OR amount > 0"], "a refund of +5.00 got through"),
        (["(kind = 'charge' AND amount >= 0) OR (kind = 'refund' AND amount <= 0)"], "0.00 got through"),
        (["(kind = 'refund') = (amount < 0)", "amount <> 0"], "kind 'gift' got through"),
        (["amount > 1", "amount < -1"], "was refused"),
        ([], "a charge of -5.00 got through"),
    ],
)
def test_payment_kinds_wrong_rules_get_their_hint(checks, hint):
    assert_hint("nb05-payment-kinds", payment_model(*checks), contains=hint)


def test_payment_kinds_null_kind_gets_the_null_hint():
    assert_hint(
        "nb05-payment-kinds", payment_model(SIGN_BY_KIND, kind_type=str | None), contains="condition is NULL"
    )


def test_payment_kinds_wrong_types_get_their_hint():
    assert_hint(
        "nb05-payment-kinds",
        payment_model(SIGN_BY_KIND, amount_field=0.0, amount_type=float),
        contains="float",
    )
    assert_hint(
        "nb05-payment-kinds",
        payment_model(SIGN_BY_KIND, amount_field=Field(max_digits=10, decimal_places=2)),
        contains="max_digits=12",
    )
    assert_hint("nb05-payment-kinds", "Payment", contains="table model class itself")
    assert_not_answered("nb05-payment-kinds", ...)


# --- nb05-public-code ---------------------------------------------------------------------------


def coupon_model(code_field, code_type=uuid.UUID | None, id_type=int):
    class Coupon(fresh_base(), table=True):
        id: id_type | None = Field(default=None, primary_key=True)
        label: str
        code: code_type = code_field

    return Coupon


def server_code(generator="gen_random_uuid()", **options):
    return Field(default=None, sa_column_kwargs={"server_default": text(generator)}, **options)


def test_public_code_reference_passes():
    assert_passes("nb05-public-code", coupon_model(server_code(nullable=False, unique=True)))


@pytest.mark.parametrize(
    ("field", "hint"),
    [
        (server_code("uuidv7()", nullable=False, unique=True), "version 7"),  # the course runs on 18
        (Field(default_factory=uuid.uuid4, unique=True), "default_factory runs only in Python"),
        (server_code(unique=True), "code NULL got through"),
        (server_code(nullable=False), "same code"),
    ],
)
def test_public_code_wrong_answers_get_their_hint(field, hint):
    assert_hint("nb05-public-code", coupon_model(field), contains=hint)


def test_public_code_wrong_types_get_their_hint():
    varchar = Field(default_factory=lambda: str(uuid.uuid4()), unique=True)
    assert_hint("nb05-public-code", coupon_model(varchar, code_type=str), contains="annotate it uuid.UUID")
    uuid_id = coupon_model(server_code(nullable=False, unique=True), id_type=uuid.UUID)
    assert_hint("nb05-public-code", uuid_id, contains="integer primary key")
    assert_not_answered("nb05-public-code", ...)


# --- nb05-local-day -----------------------------------------------------------------------------

REFERENCE = "SELECT id FROM meeting WHERE (starts_at AT TIME ZONE :zone)::date = :day ORDER BY starts_at, id"


def test_local_day_reference_passes():
    assert_passes("nb05-local-day", REFERENCE)
    assert_passes(
        "nb05-local-day",
        "SELECT id FROM meeting WHERE starts_at >= (CAST(:day AS date)::timestamp AT TIME ZONE :zone) "
        "AND starts_at < ((CAST(:day AS date) + 1)::timestamp AT TIME ZONE :zone) ORDER BY starts_at, id",
    )


def test_local_day_hard_coded_output_fails():
    assert_hint(
        "nb05-local-day",
        "SELECT 1 AS id WHERE :day = :day AND :zone = :zone",
        contains="your query returns ids",
    )


@pytest.mark.parametrize(
    ("sql", "hint"),
    [
        (
            "SELECT id FROM meeting WHERE starts_at::date = :day AND :zone = :zone ORDER BY starts_at, id",
            "in UTC",
        ),
        (
            "SELECT id FROM meeting WHERE (starts_at + interval '1 hour')::date = :day AND :zone = :zone "
            "ORDER BY starts_at, id",
            "fixed offset",
        ),
        (
            "SELECT id FROM meeting WHERE starts_at AT TIME ZONE :zone BETWEEN :day AND :day + 1 "
            "ORDER BY starts_at, id",
            "BETWEEN includes both ends",
        ),
        (
            "SELECT id FROM meeting WHERE (starts_at AT TIME ZONE 'Europe/Paris')::date = :day "
            "AND :zone = :zone ORDER BY starts_at, id",
            "use the :zone parameter",
        ),
        (
            "SELECT id FROM meeting WHERE (starts_at AT TIME ZONE :zone)::date = :day ORDER BY id",
            "another order",
        ),
        ("SELECT id, starts_at FROM meeting WHERE (starts_at AT TIME ZONE :zone)::date = :day", "id only"),
        (
            "SELECT id FROM meeting WHERE (starts_at AT TIME ZONE 'UTC')::date = '2026-03-29'",
            "bound parameters",
        ),
    ],
)
def test_local_day_wrong_answers_get_their_hint(sql, hint):
    assert_hint("nb05-local-day", sql, contains=hint)


def test_local_day_errors_are_the_learners():
    assert_learner_error(
        "nb05-local-day",
        "SELECT id FROM meetings WHERE :day = :day AND :zone = :zone",
        contains="UndefinedTable",
    )
    assert_not_answered("nb05-local-day", ...)
