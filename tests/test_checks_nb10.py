"""Each check of 10_testing_the_data_layer fails on wrong answers and passes on the right one."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import MetaData, create_engine
from sqlmodel import Field, SQLModel

from course_lib import notebook_database
from course_lib.exercises import run_check

# A metadata of its own, so the table never meets other tests' models on SQLModel.metadata.
test_metadata = MetaData()


class FactoryCustomer(SQLModel, table=True):
    __tablename__ = "factory_customer"
    metadata = test_metadata

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True)
    name: str


@pytest.fixture(scope="module")
def engine():
    from helpers import unique_name

    name = unique_name("checks_nb10")
    db = notebook_database(name)
    engine = create_engine(db.url)
    test_metadata.create_all(engine)
    yield engine
    engine.dispose()
    from course_lib.server import current_server

    with current_server().connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "course_{name}" WITH (FORCE)')


def test_join_mode():
    assert run_check("nb10-join-mode", "create_savepoint")[0]
    passed, message = run_check("nb10-join-mode", "conditional_savepoint")
    assert not passed and "default" in message
    assert not run_check("nb10-join-mode", "control_fully")[0]
    assert not run_check("nb10-join-mode", True)[0]
    assert "not answered yet" in run_check("nb10-join-mode", ...)[1]


def test_fixture_scopes():
    right = {"server_url": "session", "engine": "session", "session": "function", "make_customer": "function"}
    assert run_check("nb10-fixture-scopes", right)[0]
    passed, message = run_check("nb10-fixture-scopes", {**right, "session": "session"})
    assert not passed and "leak" in message
    passed, message = run_check("nb10-fixture-scopes", {**right, "engine": "function"})
    assert not passed and "once per session" in message
    passed, message = run_check("nb10-fixture-scopes", {"engine": "session"})
    assert not passed and "server_url" in message
    assert not run_check("nb10-fixture-scopes", ["session", "function"])[0]


def test_factory(engine):
    numbers = itertools.count(1)

    def good(session, **fields):
        n = next(numbers)
        customer = FactoryCustomer(**{"email": f"c{n}@example.com", "name": f"C {n}", **fields})
        session.add(customer)
        session.flush()
        return customer

    def not_flushed(session, **fields):
        n = next(numbers)
        customer = FactoryCustomer(**{"email": f"c{n}@example.com", "name": f"C {n}", **fields})
        session.add(customer)
        return customer

    def same_email(session, **fields):
        customer = FactoryCustomer(**{"email": "same@example.com", "name": "C", **fields})
        session.add(customer)
        session.flush()
        return customer

    def ignores_fields(session, **fields):
        n = next(numbers)
        customer = FactoryCustomer(email=f"c{n}@example.com", name=f"C {n}")
        session.add(customer)
        session.flush()
        return customer

    def returns_nothing(session, **fields):
        pass

    assert run_check("nb10-factory", good, engine=engine)[0]
    assert run_check("nb10-factory", good, engine=engine)[0]  # the check rolled its rows back
    passed, message = run_check("nb10-factory", not_flushed, engine=engine)
    assert not passed and "flush" in message
    passed, message = run_check("nb10-factory", same_email, engine=engine)
    assert not passed  # a hint, or the unique violation reported kindly
    passed, message = run_check("nb10-factory", ignores_fields, engine=engine)
    assert not passed and "override" in message
    passed, message = run_check("nb10-factory", returns_nothing, engine=engine)
    assert not passed and "None" in message
    assert not run_check("nb10-factory", "make_customer", engine=engine)[0]
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM factory_customer").scalar() == 0


def test_selected_tests():
    assert run_check("nb10-selected-tests", 2)[0]
    passed, message = run_check("nb10-selected-tests", 6)
    assert not passed and "-k" in message
    assert not run_check("nb10-selected-tests", 3)[0]
    assert not run_check("nb10-selected-tests", "2")[0]
    assert not run_check("nb10-selected-tests", True)[0]
