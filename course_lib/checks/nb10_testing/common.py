"""Exercises 2 and 3: tests graded by the bugs they catch (the harness both checks use)."""

from __future__ import annotations

import contextlib
import inspect
import os
import random
import re
import secrets
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from course_lib.exercises import Hint, check_database
from course_lib.fresh_process import run

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
from sqlmodel import Session, SQLModel

from models import Customer, Purchase


@pytest.fixture(scope="session")
def engine():
    engine = create_engine(os.environ["NB10_CHECK_DATABASE_URL"])  # the check's scratch database
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()


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
# Every version looks the same from a test: the versions' modules have random names, in a shuffled
# order, and the fixture hands out a plain wrapper (module, name, no docstring or annotations).
FUNCTION_FIXTURE = """

VERSIONS = os.environ["NB10_CHECK_VERSIONS"].split(",")


@pytest.fixture(params=VERSIONS)
def {function_name}(request):
    \"\"\"The function under test: each version in turn, the correct one among them.\"\"\"
    version = getattr(importlib.import_module(request.param), "{function_name}")

    def {function_name}(*args, **kwargs):
        return version(*args, **kwargs)

    return {function_name}
"""

TEST_MODULE_HEADER = """
import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from models import *  # noqa: F403
"""

# Only the plugins the check needs: autoloading every installed one (nbval imports Jupyter) costs seconds.
PYTEST_INI = (
    "[pytest]\n"
    "addopts = --disable-plugin-autoload -p no:cacheprovider -p no:randomly -q --tb=line --color=no\n"
)


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


# A grading's outcome: the failures (empty: all passed) of "correct", of each broken version (keyed
# by its hint), and of "collection" (a test module pytest could not import).
Outcome = dict[str, list[str]]

# Outcomes graded ahead, in one pytest run for many answers (graded_ahead); a check takes its own.
_graded_ahead: dict[tuple[str, str], Outcome] = {}


def _outcomes(report: Path, labels: dict[str, str], answers: int) -> list[Outcome]:
    """From pytest's JUnit XML report: for each answer (test_answer_N.py), each version's failures."""
    outcomes: list[Outcome] = [{label: [] for label in labels.values()} for _ in range(answers)]
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        name = case.get("name", "")
        module = re.search(r"\btest_answer_(\d+)\b", f"{case.get('classname', '')} {name}")
        version = next((v for v in labels if re.search(rf"\b{v}\b", name)), None)
        for problem in (*case.findall("failure"), *case.findall("error")):
            message = (problem.get("message") or problem.text or "").strip().splitlines()
            test = re.sub(r"\[.*\]$", "", name)
            failure = f"{test}: {message[0] if message else problem.tag}"
            for outcome in [outcomes[int(module[1])]] if module else outcomes:
                outcome.setdefault(labels.get(version or "", "collection"), []).append(failure)
    return outcomes


def _run(sources: list[str], function_name: str, correct: str, broken: dict[str, str]) -> list[Outcome]:
    """One pytest process: each answer's tests (a module each) once per version of the function.

    The function is a parametrized fixture; the database an empty scratch one (``check_database``).
    """
    # Neutral module names (a test of __module__ must not tell the correct version from the others),
    # and a shuffled order (nor may the parameter's index).
    names = [f"version_{secrets.token_hex(4)}" for _ in range(1 + len(broken))]
    labels = dict(zip(names, ["correct", *broken], strict=True))
    with tempfile.TemporaryDirectory(prefix="course_check_nb10_") as folder, check_database() as engine:
        project = Path(folder)
        (project / "models.py").write_text(MODELS)
        (project / "conftest.py").write_text(CONFTEST + FUNCTION_FIXTURE.format(function_name=function_name))
        (project / "pytest.ini").write_text(PYTEST_INI)
        for name, code in zip(names, [correct, *broken.values()], strict=True):
            (project / f"{name}.py").write_text("from models import *  # noqa: F403\n" + code)
        for number, source in enumerate(sources):
            (project / f"test_answer_{number}.py").write_text(TEST_MODULE_HEADER + "\n\n" + source)
        env = {k: v for k, v in os.environ.items() if k not in ("CI", "BUILD_NUMBER", "PYTEST_ADDOPTS")}
        env["NB10_CHECK_DATABASE_URL"] = engine.url.render_as_string(hide_password=False)
        env["NB10_CHECK_VERSIONS"] = ",".join(random.sample(names, len(names)))
        # A new process (the project's modules are imported afresh), forked from one that has
        # imported SQLAlchemy and SQLModel already: a second faster than a new interpreter.
        pytest = "pytest -c pytest.ini --rootdir . --junitxml report.xml"
        finished = run(pytest, cwd=project, env=env, timeout=600)
        report = project / "report.xml"
        if finished.returncode == 5:
            raise Hint("pytest found no test in your answer: name each test function test_...")
        if not report.exists():
            raise AssertionError(f"pytest wrote no report: {finished.stdout[-4000:]}")
        return _outcomes(report, labels, len(sources))


def _grade_tests(answer: Any, function_name: str, correct: str, broken: dict[str, str]) -> None:
    """Run the learner's tests against ``correct`` (they must pass) and each of ``broken``.

    ``broken`` maps a hint (what the learner's tests missed) to a broken version of the
    function. Raises a Hint for the first thing that is not right.
    """
    sources = "\n\n".join(_test_sources(answer, function_name))
    outcome = _graded_ahead.pop((function_name, sources), None)
    if outcome is None:
        outcome = _run([sources], function_name, correct, broken)[0]
    if outcome.get("collection"):
        raise Hint("pytest could not run your tests: " + outcome["collection"][0])
    if outcome["correct"]:
        failure = outcome["correct"][0]
        if "NameError" in failure:
            raise Hint(
                f"{failure}: the check runs your test functions alone, with the names the exercise "
                "lists: ask for a fixture as a parameter, and define or import anything else inside the test."
            )
        raise Hint(
            f"your tests fail against the correct {function_name}, so they would fail for nothing: " + failure
        )
    for missed in broken:
        if not outcome[missed]:
            raise Hint(missed)


@contextlib.contextmanager
def graded_ahead(
    answers: list[Any], function_name: str, correct: str, broken: dict[str, str]
) -> Iterator[None]:
    """Grade many answers in one pytest run; inside the block, the check of each takes its outcome.

    For the tests of these checks: one pytest process instead of one per answer (each answer's tests
    in a module of their own, on the same database, each test rolled back). The verdict is still
    the check's own, from the same outcome its own run would give.
    """
    keys = [(function_name, "\n\n".join(_test_sources(answer, function_name))) for answer in answers]
    _graded_ahead.update(
        zip(keys, _run([key[1] for key in keys], function_name, correct, broken), strict=True)
    )
    try:
        yield
    finally:
        for key in keys:
            _graded_ahead.pop(key, None)
