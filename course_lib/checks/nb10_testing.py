"""Checks for notebooks/10_testing_the_data_layer.ipynb."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from course_lib.exercises import Hint, exercise


@exercise("nb10-join-mode")
def join_mode(mode: object) -> str:
    if not isinstance(mode, str):
        raise Hint("give the mode's name as a string, as you would pass it to Session(...).")
    mode = mode.strip().strip("'\"")
    if mode == "conditional_savepoint":
        raise Hint("that is the default: a rollback in the code under test ends the test's transaction.")
    if mode in ("rollback_only", "control_fully"):
        raise Hint(f"with {mode!r} the session does not work inside a savepoint of its own.")
    if mode != "create_savepoint":
        raise Hint("look at the session fixture in conftest.py.")
    return "The session's commit() and rollback() only touch its SAVEPOINT."


EXPECTED_SCOPES = {
    "server_url": "session",
    "engine": "session",
    "session": "function",
    "make_customer": "function",
}


@exercise("nb10-fixture-scopes")
def fixture_scopes(scopes: object) -> str:
    if not isinstance(scopes, dict):
        raise Hint('answer with a dict, e.g. {"server_url": "session", ...}.')
    missing = sorted(set(EXPECTED_SCOPES) - set(scopes))
    if missing:
        raise Hint(f"give a scope for {', '.join(missing)} too.")
    for name, scope in EXPECTED_SCOPES.items():
        given = str(scopes[name]).strip().lower()
        if given == scope:
            continue
        if scope == "session":
            raise Hint(f"{name}: starting it for every test would be slow; once per session is enough.")
        raise Hint(f"{name}: each test needs its own, or tests would share (and leak) data.")
    return "Expensive things once per session; anything holding test data once per test."


@exercise("nb10-factory")
def factory(make: Any, engine: Engine) -> str:
    if not callable(make):
        raise Hint("answer_3 should be a function: def answer_3(session, **fields): ...")
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
                return _check_factory(make, session)
        finally:
            transaction.rollback()


def _check_factory(make: Any, session: Session) -> str:
    first = make(session)
    if first is None:
        raise Hint("your factory returned None: return the customer it made.")
    if getattr(first, "id", None) is None:
        raise Hint("the customer has no id yet: add it to the session and flush().")
    second = make(session)
    if getattr(second, "id", None) is None or second.id == first.id:
        raise Hint("a second call should make a second customer.")
    if second.email == first.email:
        raise Hint("two customers got the same e-mail: make each one unique (a counter helps).")
    named = make(session, name="Zed", email="zed@example.com")
    if (named.name, named.email) != ("Zed", "zed@example.com"):
        raise Hint("fields given to the factory should override its made-up values.")
    stored = session.get(type(named), named.id)
    if stored is None:
        raise Hint("the customer is not in the database: add it to the session.")
    return "Tests can now say make_customer(email=...) and nothing more."


@exercise("nb10-selected-tests")
def selected_tests(passed: object) -> str:
    if not isinstance(passed, int) or isinstance(passed, bool):
        raise Hint("give the number of passed tests as an int.")
    if passed == 6:
        raise Hint("that is every test of test_shop.py: pass -k total_spent to select some.")
    if passed != 2:
        raise Hint('run run_pytest("test_shop.py", "-k", "total_spent") and read its last line.')
    return "-k matches a substring of the test names."
