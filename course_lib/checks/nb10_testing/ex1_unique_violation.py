"""Exercise 1: which errors are unique violations (``nb10-unique-violation``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from course_lib.exercises import Hint, LearnerError, check_database, exercise, learner

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
