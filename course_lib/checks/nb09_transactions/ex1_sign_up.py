"""The check of ``nb09-sign-up``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, PendingRollbackError
from sqlmodel import Session

from course_lib.checks.nb09_transactions.common import _constraint, _sqlstate
from course_lib.exercises import Hint, LearnerError, check_database, describe_error, exercise, rows

# The notebook's user table (SQLModel's DDL for User), plus one rule the notebook's has not:
# a CHECK on the email column, whose violation is an IntegrityError that is *not* "email taken".
_USER_TABLE = """
CREATE TABLE "user" (
    id SERIAL PRIMARY KEY,
    email VARCHAR NOT NULL CONSTRAINT user_email_key UNIQUE
        CONSTRAINT user_email_check CHECK (email LIKE '%@%'),
    username VARCHAR NOT NULL CONSTRAINT user_username_key UNIQUE
)
"""
_RAISES = "raises"

# (email, username, what sign_up must do), called in this order with one Session.
_SIGN_UPS: list[tuple[str, str | None, str]] = [
    ("ada@example.com", "ada", "created"),
    ("grace.hopper@example.com", "ada", "username taken"),  # right after a success
    ("grace@example.com", "countess", "email taken"),  # the row the check inserted first
    ("zoë@example.com", "ada", "username taken"),  # two failures in a row: rolled back?
    ("Ada@example.com", "ada_l", "created"),  # unique is case-sensitive: a different email
    ("ada.example.com", "ada_at", _RAISES),  # CHECK user_email_check: not "email taken"
    ("zoë@example.com", None, _RAISES),  # NOT NULL on username
    ("zoë@example.com", "zoë", "created"),  # the session works again after a re-raised error
]
_SIGNED_UP = [
    ("grace@example.com", "grace"),
    ("ada@example.com", "ada"),
    ("Ada@example.com", "ada_l"),
    ("zoë@example.com", "zoë"),
]


def _sign_up_hint_for_error(call: str, expected: str, error: IntegrityError) -> Hint:
    name = _constraint(error)
    return Hint(
        f"{call} raised IntegrityError ({type(error.orig).__name__} on {name}): that is the case to "
        f"report as {expected!r}. Catch IntegrityError, roll back, and look at error.orig.sqlstate "
        "and error.orig.diag.constraint_name."
    )


@exercise("nb09-sign-up", level=2)
def sign_up(answer: Callable[..., Any]) -> str:
    if not callable(answer):
        raise Hint(f"answer_1 should be your function sign_up, not {type(answer).__name__}.")
    with check_database() as engine:
        with engine.begin() as conn:
            conn.execute(text(_USER_TABLE))
            conn.execute(
                text("""INSERT INTO "user" (email, username) VALUES ('grace@example.com', 'grace')""")
            )
        previous = "a failed INSERT"
        with Session(engine) as session:
            for email, username, expected in _SIGN_UPS:
                call = f"sign_up(session, {email!r}, {username!r})"
                try:
                    result = answer(session, email, username)
                except IntegrityError as error:
                    if expected != _RAISES:
                        raise _sign_up_hint_for_error(call, expected, error) from None
                    previous = call
                    continue
                except PendingRollbackError:
                    raise Hint(
                        f"{call} found the session still broken by {previous}: after a failed commit, "
                        "call session.rollback() before returning (and before re-raising)."
                    ) from None
                except Exception as error:
                    if _sqlstate(error) == "25P02":  # in_failed_sql_transaction
                        raise Hint(
                            f"{call} found the transaction still aborted by {previous}: after a failed "
                            "statement, call session.rollback() before returning (and before re-raising)."
                        ) from None
                    if expected == _RAISES:
                        raise Hint(
                            f"{call} violates a rule that is not a taken email or username; your code "
                            f"raised {describe_error(error)}. Let an IntegrityError you do not handle "
                            "propagate unchanged (roll back, then `raise`)."
                        ) from None
                    raise LearnerError("code", error) from error
                if expected == _RAISES:
                    raise Hint(
                        f"{call} returned {result!r}, but that row breaks another rule "
                        f"({'the CHECK user_email_check' if username else 'NOT NULL on username'}): "
                        "compare the constraint's whole name and the SQLSTATE (23505 is a unique "
                        "violation), and re-raise every other IntegrityError."
                    )
                if not isinstance(result, str):
                    raise Hint(
                        f"{call} returned {result!r}; return one of the strings 'created', "
                        "'email taken', 'username taken'."
                    )
                if result != expected:
                    if result == "created":
                        raise Hint(
                            f"{call} returned 'created', but PostgreSQL refused the row: is your "
                            "function hiding an IntegrityError?"
                        )
                    raise Hint(
                        f"{call} returned {result!r}; the right answer is {expected!r}. The violated "
                        "constraint's name (error.orig.diag.constraint_name) says which column clashed."
                    )
                if result != "created":
                    previous = call
                elif not rows(engine, 'SELECT 1 FROM "user" WHERE email = :email', email=email):
                    raise Hint(
                        f"{call} returned 'created', but another connection does not see the user: "
                        "commit (session.commit()), so the row is saved for everyone."
                    )
        saved = rows(engine, 'SELECT email, username FROM "user" ORDER BY id')
    if saved != _SIGNED_UP:
        raise Hint(
            f"the table holds {saved}, expected {_SIGNED_UP}: every 'created' user must be committed "
            "(session.commit()), and nothing else."
        )
    return "each clash is named, other errors propagate, and the session stays usable."
