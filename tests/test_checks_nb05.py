"""The exercise checks of notebooks/05_postgres_types.ipynb: wrong answers get a hint, right ones pass."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from sqlalchemy import ARRAY as GENERIC_ARRAY
from sqlalchemy import JSON, CheckConstraint, Column, String, create_engine, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.exc import SADeprecationWarning
from sqlalchemy.ext.mutable import MutableList
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel, select

from course_lib import notebook_database
from course_lib.exercises import run_check


def make_base() -> type[SQLModel]:
    """A base with its own registry and MetaData, so these models never touch SQLModel.metadata."""

    class Base(SQLModel, registry=registry()):
        pass

    return Base


@pytest.fixture
def db(scratch_name):
    database = notebook_database(scratch_name("nb05"))
    engine = create_engine(database.url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE product (id serial PRIMARY KEY, name text, attributes jsonb)"))
        conn.execute(
            text(
                "INSERT INTO product (name, attributes) VALUES "
                """('Desk lamp', '{"color": "black"}'), ('Kettle', '{"color": "red"}'), """
                """('Office chair', '{"color": "black", "adjustable": true}')"""
            )
        )
    engine.dispose()
    return database


def test_jsonb_contains(db):
    Base = make_base()

    class Product(Base, table=True):
        id: int | None = Field(default=None, primary_key=True)
        name: str
        attributes: dict = Field(sa_column=Column(JSONB))

    class ProductJson(Base, table=True):
        __tablename__ = "product_json"
        id: int | None = Field(default=None, primary_key=True)
        name: str
        attributes: dict = Field(sa_column=Column(JSON))

    right = select(Product.name).where(Product.attributes.contains({"color": "black"})).order_by(Product.id)
    assert run_check("nb05-jsonb-contains", right, db)[0]
    passed, message = run_check("nb05-jsonb-contains", ["Desk lamp", "Office chair"], db)
    assert not passed and "select(" in message
    with pytest.warns(SADeprecationWarning):  # SQLAlchemy 2.1 warns about LIKE on JSON
        like = select(ProductJson.name).where(ProductJson.attributes.contains({"color": "black"}))
    passed, message = run_check("nb05-jsonb-contains", like, db)
    assert not passed and "LIKE" in message
    red = select(Product.name).where(Product.attributes.contains({"color": "red"}))
    passed, message = run_check("nb05-jsonb-contains", red, db)
    assert not passed and "black" in message
    unordered = select(Product).where(Product.attributes.contains({"color": "black"}))
    passed, message = run_check("nb05-jsonb-contains", unordered, db)
    assert not passed and "name only" in message


def test_money_column():
    Base = make_base()

    class Payment(Base, table=True):
        id: int | None = Field(default=None, primary_key=True)
        amount: Decimal = Field(max_digits=12, decimal_places=2)
        __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    assert run_check("nb05-money-column", Payment)[0]

    Base = make_base()

    class Payment(Base, table=True):
        id: int | None = Field(default=None, primary_key=True)
        amount: float

    passed, message = run_check("nb05-money-column", Payment)
    assert not passed and "float" in message

    Base = make_base()

    class Payment(Base, table=True):
        id: int | None = Field(default=None, primary_key=True)
        amount: Decimal = Field(max_digits=10, decimal_places=2)

    passed, message = run_check("nb05-money-column", Payment)
    assert not passed and "max_digits=12" in message

    Base = make_base()

    class Payment(Base, table=True):
        id: int | None = Field(default=None, primary_key=True)
        amount: Decimal = Field(max_digits=12, decimal_places=2)

    passed, message = run_check("nb05-money-column", Payment)
    assert not passed and "CheckConstraint" in message
    assert not run_check("nb05-money-column", "Payment")[0]


def test_uuid7_key(db):
    Base = make_base()

    class ApiKey(Base, table=True):
        id: uuid.UUID | None = Field(
            default=None, primary_key=True, sa_column_kwargs={"server_default": text("uuidv7()")}
        )
        label: str

    assert run_check("nb05-uuid7-key", ApiKey, db)[0]

    Base = make_base()

    class ApiKey(Base, table=True):
        id: uuid.UUID | None = Field(
            default=None, primary_key=True, sa_column_kwargs={"server_default": text("gen_random_uuid()")}
        )
        label: str

    passed, message = run_check("nb05-uuid7-key", ApiKey, db)
    assert not passed and "version-4" in message

    Base = make_base()

    class ApiKey(Base, table=True):
        id: str = Field(default_factory=lambda: str(uuid.uuid4()), primary_key=True)
        label: str

    passed, message = run_check("nb05-uuid7-key", ApiKey, db)
    assert not passed and "uuid.UUID" in message

    Base = make_base()

    class ApiKey(Base, table=True):
        id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
        label: str

    passed, message = run_check("nb05-uuid7-key", ApiKey, db)
    assert not passed and "server" in message


def test_tracked_list(db):
    Base = make_base()

    class Album(Base, table=True):
        id: int | None = Field(default=None, primary_key=True)
        tracks: list[str] = Field(
            default_factory=list, sa_column=Column(MutableList.as_mutable(ARRAY(String)))
        )

    assert run_check("nb05-tracked-list", Album, db)[0]

    Base = make_base()

    class Album(Base, table=True):
        id: int | None = Field(default=None, primary_key=True)
        tracks: list[str] = Field(default_factory=list, sa_column=Column(ARRAY(String)))

    passed, message = run_check("nb05-tracked-list", Album, db)
    assert not passed and "MutableList" in message

    Base = make_base()

    class Album(Base, table=True):
        id: int | None = Field(default=None, primary_key=True)
        tracks: list[str] = Field(default_factory=list, sa_column=Column(GENERIC_ARRAY(String)))

    passed, message = run_check("nb05-tracked-list", Album, db)
    assert not passed and "postgresql" in message
