"""Checks for notebooks/09_transactions_and_production.ipynb."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.dml import Update

from course_lib.exercises import Hint, exercise

# A temporary table whose constraints carry the names the notebook's user table has.
_CREATE_SIGNUP = """
CREATE TEMPORARY TABLE signup (
    email text CONSTRAINT user_email_key UNIQUE,
    username text NOT NULL CONSTRAINT user_username_key UNIQUE
)
"""

# (what the statement violates, the statement, is it the email's unique constraint?)
_CASES = [
    ("the unique email", "INSERT INTO signup VALUES ('ada@example.com', 'other')", True),
    ("the unique username", "INSERT INTO signup VALUES ('new@example.com', 'ada')", False),
    ("NOT NULL on username", "INSERT INTO signup VALUES ('new@example.com', NULL)", False),
]


def _integrity_errors(engine: Engine) -> list[tuple[str, IntegrityError, bool]]:
    """Real IntegrityErrors raised by PostgreSQL, each with the answer expected for it."""
    found = []
    with engine.connect() as conn:
        conn.execute(text(_CREATE_SIGNUP))
        conn.execute(text("INSERT INTO signup VALUES ('ada@example.com', 'ada')"))
        for label, statement, expected in _CASES:
            savepoint = conn.begin_nested()
            try:
                conn.execute(text(statement))
            except IntegrityError as error:
                found.append((label, error, expected))
            finally:
                savepoint.rollback()
        conn.rollback()
    return found


@exercise("nb09-email-taken")
def email_taken(answer: Callable[[IntegrityError], Any], engine: Engine) -> str:
    if not callable(answer):
        raise Hint(f"answer_1 should be your function is_email_taken, not {type(answer).__name__}.")
    for label, error, expected in _integrity_errors(engine):
        result = answer(error)
        if not isinstance(result, bool):
            raise Hint(f"for a violation of {label} your function returned {result!r}; return True or False.")
        if result != expected:
            if expected:
                raise Hint(
                    f"a violation of {label} is exactly the case to report: look at error.orig.sqlstate "
                    "('23505') and error.orig.diag.constraint_name ('user_email_key')."
                )
            raise Hint(
                f"a violation of {label} is not 'email taken': compare the constraint's name too "
                "(error.orig.diag.constraint_name), not only the kind of error."
            )
    return "only the unique violation on user_email_key is reported as 'email taken'."


_SQLSTATE_HINTS = {
    "40P01": "40P01 is a deadlock; Bob's error here is a serialization failure.",
    "55P03": "55P03 is 'lock not available' (NOWAIT); replay the interleaving on repeatable_engine.",
    "23505": "23505 is a unique violation; Bob's error comes from the concurrent update.",
}


@exercise("nb09-serialization-sqlstate")
def serialization_sqlstate(answer: object) -> str:
    if not isinstance(answer, str):
        raise Hint(f"give the SQLSTATE as a string of 5 characters (error.orig.sqlstate), not {answer!r}.")
    if answer == "40001":
        return "40001 is serialization_failure: retry the whole transaction."
    raise Hint(_SQLSTATE_HINTS.get(answer, f"{answer!r} is not what Bob's commit() raises: catch the error."))


@exercise("nb09-atomic-increment")
def atomic_increment(answer: object) -> str:
    if not isinstance(answer, Update):
        raise Hint(f"answer_3 should be an update(Account) statement, not {type(answer).__name__}.")
    if answer.table.name != "account":
        raise Hint(f"the statement updates {answer.table.name!r}; update the account table.")
    compiled = answer.compile(dialect=postgresql.dialect())
    sql = " ".join(str(compiled).split())
    if " WHERE " not in sql:
        raise Hint("without a WHERE clause every account gets the deposit: add .where(Account.id == 1).")
    if "balance=(account.balance + " not in sql:
        raise Hint(
            "the new balance must be computed from the column: .values(balance=Account.balance + 25), "
            f"not a number computed in Python. Your SQL: {sql}"
        )
    params = compiled.params
    if 25 not in params.values() or 1 not in params.values():
        raise Hint(f"add 25 to account 1; the statement's parameters are {params}.")
    return "PostgreSQL computes the balance from the row it updates."


@exercise("nb09-asyncpg-connect-args")
def asyncpg_connect_args(answer: object) -> str:
    if not isinstance(answer, dict):
        raise Hint(f"answer_4 should be a dict of connect_args, not {type(answer).__name__}.")
    if "options" in answer:
        raise Hint("'options' is a libpq (psycopg) keyword; asyncpg raises TypeError for it.")
    if "connect_timeout" in answer:
        raise Hint("'connect_timeout' is psycopg's name; asyncpg calls its connection timeout 'timeout'.")
    if answer.get("timeout") != 5:
        raise Hint("set the connection timeout with 'timeout': 5 (seconds).")
    settings = answer.get("server_settings")
    if not isinstance(settings, dict) or "statement_timeout" not in settings:
        raise Hint("server-side settings go in 'server_settings': {'statement_timeout': ...}.")
    value = settings["statement_timeout"]
    if not isinstance(value, str):
        raise Hint(f"asyncpg wants server_settings values as strings: '2000' or '2s', not {value!r}.")
    if value.replace(" ", "") not in {"2000", "2000ms", "2s"}:
        raise Hint(f"statement_timeout {value!r} is not 2 seconds; a bare number is in milliseconds.")
    return "asyncpg sets statement_timeout when the connection opens."
