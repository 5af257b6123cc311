"""Checks for notebooks/10_testing_the_data_layer.ipynb.

Exercise 1 hands the learner's function real errors raised by PostgreSQL. Exercises 2 and 3
grade the learner's *tests* by what they catch: the check writes them into a project of its
own (the notebook's fixtures, and a ``shop.py``), runs pytest on it against the correct
code, where they must pass, and against broken versions of it, each of which they must fail.
"""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from course_lib.exercises import Hint, LearnerError, check_database, exercise, learner

# --- exercise 1: which errors are unique violations ------------------------------------------

ERRORS_DDL = [
    "CREATE TABLE customer (id serial PRIMARY KEY, email text NOT NULL UNIQUE, name text NOT NULL)",
    "CREATE TABLE purchase (id serial PRIMARY KEY, customer_id int NOT NULL REFERENCES customer,"
    " amount_cents int NOT NULL CHECK (amount_cents >= 0))",
    "CREATE UNIQUE INDEX purchase_one_per_amount ON purchase (customer_id, amount_cents)",
    "INSERT INTO customer (email, name) VALUES ('ada@example.com', 'Ada')",
    "INSERT INTO purchase (customer_id, amount_cents) VALUES (1, 500)",
]
# What each statement raises: (what, statement, is it a unique violation, hint if misjudged).
FAILING_STATEMENTS = [
    (
        "a duplicate e-mail (a UNIQUE constraint)",
        "INSERT INTO customer (email, name) VALUES ('ada@example.com', 'A')",
        True,
        "a duplicate e-mail was not recognised: its SQLSTATE is 23505 (error.orig.sqlstate).",
    ),
    (
        "a duplicate in a unique index",
        "INSERT INTO purchase (customer_id, amount_cents) VALUES (1, 500)",
        True,
        "a duplicate in a unique index (not a constraint) was not recognised: it raises the same "
        "23505, whatever the index or constraint is called.",
    ),
    (
        "a foreign-key violation",
        "INSERT INTO purchase (customer_id, amount_cents) VALUES (99, 100)",
        False,
        "a foreign-key violation counted as a unique violation: it is an IntegrityError too (so are "
        "NOT NULL and CHECK violations); compare the SQLSTATE, error.orig.sqlstate, not the class.",
    ),
    (
        "a NOT NULL violation",
        "INSERT INTO customer (email) VALUES ('grace@example.com')",
        False,
        "a NOT NULL violation counted as a unique violation: compare the SQLSTATE, not the class.",
    ),
    (
        "a CHECK violation",
        "INSERT INTO purchase (customer_id, amount_cents) VALUES (1, -1)",
        False,
        "a CHECK violation counted as a unique violation: compare the SQLSTATE, not the class.",
    ),
    (
        "an error PL/pgSQL's RAISE EXCEPTION raised with a message that reads like a unique violation",
        "DO $$ BEGIN RAISE EXCEPTION "
        "'duplicate key value violates unique constraint \"customer_email_key\"'; END $$",
        False,
        "an error raised by PL/pgSQL's RAISE EXCEPTION (SQLSTATE P0001, as a function or trigger raises it) "
        "counted as a unique violation because its message reads like one: messages are for people (and "
        "can be translated); compare the SQLSTATE.",
    ),
]


def _database_errors() -> list[tuple[str, DBAPIError, bool, str]]:
    """Real errors from PostgreSQL, as SQLAlchemy raises them."""
    errors = []
    with check_database() as engine:
        with engine.begin() as conn:
            for statement in ERRORS_DDL:
                conn.execute(text(statement))
        for what, statement, unique, hint in FAILING_STATEMENTS:
            with engine.connect() as conn:
                try:
                    conn.execute(text(statement))
                except DBAPIError as error:
                    errors.append((what, error, unique, hint))
                else:
                    raise AssertionError(f"{statement!r} did not fail")
    return errors


@exercise("nb10-unique-violation", level=1)
def unique_violation(is_unique_violation: Any) -> str:
    if not callable(is_unique_violation):
        raise Hint("answer_1 should be a function: def answer_1(error): return True or False.")
    for what, error, expected, hint in _database_errors():
        answer = learner(is_unique_violation, error)
        if not isinstance(answer, bool):
            raise Hint(f"for {what} your function returned {answer!r}: return True or False.")
        if answer != expected:
            raise Hint(hint)
    try:
        answer = learner(is_unique_violation, ValueError("not a database error"))
    except LearnerError as error:
        raise Hint(
            f"for a ValueError your function raised {type(error.error).__name__}: an error that does not "
            "come from the database has no .orig; return False for it (getattr(error, 'orig', None))."
        ) from None
    if answer is not False:
        raise Hint("for a ValueError return False: only database errors have a SQLSTATE.")
    return "the SQLSTATE tells a unique violation from every other error, whatever its class or message."


# --- exercises 2 and 3: tests graded by the bugs they catch -----------------------------------

MODELS = '''
"""The models and register() of the notebook's shop.py (the check's own copy)."""

from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, func, select

UNIQUE_VIOLATION = "23505"


class Customer(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True)
    name: str


class Purchase(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    amount_cents: int


class EmailTaken(Exception):
    """A customer with this e-mail address exists already."""


def register(session: Session, email: str, name: str) -> Customer:
    customer = Customer(email=email.strip().lower(), name=name)
    try:
        with session.begin_nested():
            session.add(customer)
    except IntegrityError as error:
        if getattr(error.orig, "sqlstate", None) == UNIQUE_VIOLATION:
            raise EmailTaken(customer.email) from None
        raise
    return customer


def total_spent_cents(session: Session, customer_id: int) -> int:
    statement = select(func.coalesce(func.sum(Purchase.amount_cents), 0)).where(
        Purchase.customer_id == customer_id
    )
    return session.exec(statement).one()
'''

CONFTEST = """
import importlib
import itertools
import os

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel

from models import Customer, Purchase


@pytest.fixture(scope="session")
def engine():
    server_url = make_url(os.environ["NB10_CHECK_SERVER_URL"])
    name = f"course_check_nb10_{os.getpid()}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = create_engine(server_url.set(database=name))
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def session(engine):
    with engine.connect() as connection:
        transaction = connection.begin()
        with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
            yield session
        transaction.rollback()


@pytest.fixture
def make_customer(session):
    numbers = itertools.count(1)

    def make(**fields):
        n = next(numbers)
        customer = Customer(**{"email": f"customer{n}@example.com", "name": f"Customer {n}", **fields})
        session.add(customer)
        session.flush()
        return customer

    return make


@pytest.fixture
def make_purchase(session, make_customer):
    def make(customer=None, **fields):
        customer = customer or make_customer()
        purchase = Purchase(**{"customer_id": customer.id, "amount_cents": 1000, **fields})
        session.add(purchase)
        session.flush()
        return purchase

    return make
"""

# The function under test reaches the learner's tests as a fixture of its name, once per version.
FUNCTION_FIXTURE = '''

VERSIONS = os.environ["NB10_CHECK_VERSIONS"].split(",")


@pytest.fixture(params=VERSIONS)
def {function_name}(request):
    """The function under test: the correct version, then each broken one."""
    return getattr(importlib.import_module(request.param), "{function_name}")
'''

TEST_MODULE_HEADER = """
import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from models import *  # noqa: F403
"""

PYTEST_INI = "[pytest]\naddopts = -p no:cacheprovider -p no:randomly -q --tb=line --color=no\n"


def _test_sources(answer: Any, function_name: str) -> list[str]:
    """The source of each of the learner's test functions (a function, or a list of them)."""
    functions = list(answer) if isinstance(answer, (list, tuple)) else [answer]
    if not functions or not all(inspect.isfunction(f) for f in functions):
        raise Hint("answer with your test function, or a list of them: answer = [test_one, test_two].")
    sources = []
    for function in functions:
        if not function.__name__.startswith("test"):
            raise Hint(f"{function.__name__}: pytest only runs functions whose name starts with test.")
        if function_name not in inspect.signature(function).parameters:
            raise Hint(
                f"{function.__name__} does not ask for the function under test: add a parameter named "
                f"{function_name}, and pytest passes it in (a fixture, like session)."
            )
        try:
            source = textwrap.dedent(inspect.getsource(function))
        except (OSError, TypeError) as error:
            raise Hint(
                f"the source of {function.__name__} cannot be read ({error}): define it in a cell."
            ) from None
        sources.append(source)
    if not any(re.search(rf"\b{function_name}\s*\(", source) for source in sources):
        raise Hint(f"your tests never call {function_name}(...): a test must run the code it tests.")
    return sources


def _outcomes(report: Path, versions: list[str]) -> dict[str, list[str]]:
    """From pytest's JUnit XML report: for each version, its tests' failures (empty: all passed)."""
    problems: dict[str, list[str]] = {version: [] for version in versions}
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        name = case.get("name", "")
        version = next((v for v in versions if re.search(rf"\b{v}\b", name)), None)
        for problem in (*case.findall("failure"), *case.findall("error")):
            message = (problem.get("message") or problem.text or "").strip().splitlines()
            test = re.sub(r"\[.*\]$", "", name)
            problems.setdefault(version or "collection", []).append(
                f"{test}: {message[0] if message else problem.tag}"
            )
    return problems


def _grade_tests(answer: Any, function_name: str, correct: str, broken: dict[str, str]) -> None:
    """Run the learner's tests against ``correct`` (they must pass) and each of ``broken``.

    ``broken`` maps a hint (what the learner's tests missed) to a broken version of the
    function. One pytest process runs every test once per version (the function is a
    parametrized fixture), on one fresh database. Raises a Hint for the first thing that is
    not right.
    """
    from course_lib.server import current_server
    from course_lib.urls import sync_url

    sources = "\n\n".join(_test_sources(answer, function_name))
    versions = {"impl_correct": correct} | {
        f"impl_broken_{n}": code for n, code in enumerate(broken.values())
    }
    with tempfile.TemporaryDirectory(prefix="course_check_nb10_") as folder:
        project = Path(folder)
        (project / "models.py").write_text(MODELS)
        (project / "conftest.py").write_text(CONFTEST + FUNCTION_FIXTURE.format(function_name=function_name))
        (project / "pytest.ini").write_text(PYTEST_INI)
        for name, code in versions.items():
            (project / f"{name}.py").write_text("from models import *  # noqa: F403\n" + code)
        (project / "test_answer.py").write_text(TEST_MODULE_HEADER + "\n\n" + sources)
        env = {k: v for k, v in os.environ.items() if k not in ("CI", "BUILD_NUMBER", "PYTEST_ADDOPTS")}
        env["NB10_CHECK_SERVER_URL"] = sync_url(current_server().url).render_as_string(hide_password=False)
        env["NB10_CHECK_VERSIONS"] = ",".join(versions)
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-c",
                "pytest.ini",
                "--rootdir",
                ".",
                "--junitxml",
                "report.xml",
            ],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        report = project / "report.xml"
        if run.returncode == 5:
            raise Hint("pytest found no test in your answer: name each test function test_...")
        if not report.exists():
            raise AssertionError(f"pytest wrote no report: {run.stdout[-2000:]}{run.stderr[-2000:]}")
        outcomes = _outcomes(report, list(versions))
    if outcomes.get("collection"):
        raise Hint("pytest could not run your tests: " + outcomes["collection"][0])
    if outcomes["impl_correct"]:
        raise Hint(
            f"your tests fail against the correct {function_name}, so they would fail for nothing: "
            + outcomes["impl_correct"][0]
        )
    for name, missed in zip(list(versions)[1:], broken, strict=True):
        if not outcomes[name]:
            raise Hint(missed)


# The code under test of exercise 2, correct and broken.
WITHOUT_PURCHASES = '''

def emails_without_purchases(session: Session) -> list[str]:
    """The e-mails of the customers who never bought anything, sorted."""
    statement = (
        select(Customer.email)
        .outerjoin(Purchase, Purchase.customer_id == Customer.id)
        .where(Purchase.id.is_(None))
        .order_by(Customer.email)
    )
    return list(session.exec(statement).all())
'''
WITHOUT_PURCHASES_BROKEN = {
    "your tests pass against an emails_without_purchases that returns the customers WITH purchases: "
    "make one customer who bought something and one who did not, and check which comes back.": """

def emails_without_purchases(session):
    statement = select(Customer.email).join(Purchase, Purchase.customer_id == Customer.id)
    return sorted(set(session.exec(statement).all()))
""",
    "your tests pass against an emails_without_purchases that forgets to sort: make two customers "
    "without purchases in an order that is not alphabetical (e.g. zoe@... first, then ada@...).": """

def emails_without_purchases(session):
    statement = (
        select(Customer.email)
        .outerjoin(Purchase, Purchase.customer_id == Customer.id)
        .where(Purchase.id.is_(None))
        .order_by(Customer.id)
    )
    return list(session.exec(statement).all())
""",
    "your tests pass against an emails_without_purchases that looks at the amounts spent (nothing "
    "spent = no purchases): a purchase of 0 cents (a free item) is still a purchase; test that edge.": """

def emails_without_purchases(session):
    spent = func.coalesce(func.sum(Purchase.amount_cents), 0)
    statement = (
        select(Customer.email)
        .outerjoin(Purchase, Purchase.customer_id == Customer.id)
        .group_by(Customer.email)
        .having(spent == 0)
        .order_by(Customer.email)
    )
    return list(session.exec(statement).all())
""",
}


@exercise("nb10-test-without-purchases", level=2)
def tests_for_without_purchases(answer: Any) -> str:
    _grade_tests(answer, "emails_without_purchases", WITHOUT_PURCHASES, WITHOUT_PURCHASES_BROKEN)
    return (
        f"your tests pass on the correct code and catch all {len(WITHOUT_PURCHASES_BROKEN)} broken versions."
    )


# The code under test of exercise 3, correct and broken.
CHANGE_EMAIL = '''

def change_email(session: Session, customer: Customer, new_email: str) -> None:
    """Give the customer a new, normalised e-mail address; EmailTaken if another customer has it."""
    email = new_email.strip().lower()
    try:
        with session.begin_nested():  # SAVEPOINT: a refused change undoes this UPDATE only
            customer.email = email
    except IntegrityError as error:
        if getattr(error.orig, "sqlstate", None) == UNIQUE_VIOLATION:
            raise EmailTaken(email) from None  # the normalised address, as register() does
        raise
'''
CHANGE_EMAIL_BROKEN = {
    "your tests pass against a change_email that stores the address as given: "
    "test with an address in capitals and with spaces around it.": """

def change_email(session, customer, new_email):
    try:
        with session.begin_nested():
            customer.email = new_email
    except IntegrityError as error:
        if getattr(error.orig, "sqlstate", None) == UNIQUE_VIOLATION:
            raise EmailTaken(new_email) from None
        raise
""",
    "your tests pass against a change_email that lets PostgreSQL's IntegrityError out instead of "
    "EmailTaken: take another customer's address and expect EmailTaken (pytest.raises).": """

def change_email(session, customer, new_email):
    email = new_email.strip().lower()
    with session.begin_nested():
        customer.email = email
""",
    "your tests pass against a change_email without a savepoint, where a refused change rolls back "
    "the caller's whole transaction: after catching EmailTaken, check that what the test made before "
    "it, in the same session, is still there.": """

def change_email(session, customer, new_email):
    email = new_email.strip().lower()
    customer.email = email
    try:
        session.flush()
    except IntegrityError as error:
        session.rollback()
        if getattr(error.orig, "sqlstate", None) == UNIQUE_VIOLATION:
            raise EmailTaken(email) from None
        raise
""",
    "your tests pass against a change_email that looks the address up first and so refuses a "
    "customer's own address: change a customer's e-mail to the same address in other capitals.": """

def change_email(session, customer, new_email):
    new_email = new_email.strip().lower()
    if session.exec(select(Customer).where(Customer.email == new_email)).first() is not None:
        raise EmailTaken(new_email)
    customer.email = new_email
    session.flush()
""",
}


@exercise("nb10-test-change-email", level=3)
def tests_for_change_email(answer: Any) -> str:
    _grade_tests(answer, "change_email", CHANGE_EMAIL, CHANGE_EMAIL_BROKEN)
    return f"your tests pass on the correct code and catch all {len(CHANGE_EMAIL_BROKEN)} broken versions."
