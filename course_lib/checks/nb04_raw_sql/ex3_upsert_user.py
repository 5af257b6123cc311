"""Exercise 3: an upsert that returns the user's id (``nb04-upsert-user``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from course_lib.checks.nb04_raw_sql.common import USERS, _course_database
from course_lib.exercises import (
    Hint,
    LearnerError,
    exercise,
    learner,
)
from course_lib.queries import count_queries


def _user(engine: Engine, email: str) -> tuple | None:
    with engine.connect() as conn:
        row = conn.execute(
            text('SELECT id, username, full_name, is_active, created_at FROM "user" WHERE email = :email'),
            {"email": email},
        ).first()
    return None if row is None else tuple(row)


@exercise("nb04-upsert-user", level=2)
def upsert_user(function: Any) -> str:
    if not callable(function):
        raise Hint("pass the function itself: check('nb04-upsert-user', upsert_user).")
    new_email = "grace@example.com"
    with _course_database() as engine, Session(engine) as session:
        bo_before = _user(engine, "bo@example.com")
        calls = [
            ("bo@example.com", "bolind", "Bo Lindqvist"),  # an existing, inactive user
            (new_email, "grace", "Grace Hopper"),  # a new one
            (new_email, "ghopper", "Grace B. Hopper"),  # the new one again
        ]
        returned = []
        for email, username, full_name in calls:
            with count_queries(engine) as counter:
                try:
                    returned.append(learner(function, session, email, username, full_name))
                except LearnerError as error:
                    if isinstance(error.error, IntegrityError) and "not-null" in str(error.error):
                        raise Hint(
                            "a NOT NULL column got NULL: is_active and created_at have Python defaults "
                            "only, which raw SQL never sees: the statement must give them values itself "
                            "(a statement built from the model gets the model's defaults)."
                        ) from None
                    raise
            if counter.count != 1:
                raise Hint(
                    f"{counter.count} statements for one call: one INSERT can also update the row whose "
                    "email is taken, and give back the id (section 6)."
                )
            if not session.in_transaction():
                raise Hint("your function committed: leave committing to the caller.")
        with engine.connect() as other:  # what another connection sees: nothing committed
            if other.execute(text('SELECT count(*) FROM "user" WHERE email = :e'), {"e": new_email}).scalar():
                raise Hint("your function committed: leave committing to the caller.")
        bo_after = _upserted(session, "bo@example.com")
        grace = _upserted(session, new_email)
        total = session.execute(text('SELECT count(*) FROM "user"')).scalar_one()
        session.rollback()
    if bo_after[1:3] == bo_before[1:3]:
        raise Hint(
            "an existing email should update username and full_name, yet the row is unchanged: on a "
            "conflict the statement must say what to set, from the values it was given (DO NOTHING "
            "leaves the row as it was)."
        )
    if bo_after[3] != bo_before[3] or bo_after[4] != bo_before[4]:
        raise Hint(
            "the existing user's is_active or created_at changed: an upsert of a profile should update "
            "only username and full_name (an inactive user stays inactive)."
        )
    if grace is None or total != len(USERS) + 1 or grace[1:3] != ("ghopper", "Grace B. Hopper"):
        raise Hint("a new email should be inserted once, and a second call should update that same row.")
    if not grace[3]:
        raise Hint("a new user should be active (is_active true).")
    if any(value is None for value in returned):
        raise Hint(
            "the function should return the user's id, for an insert and for an update alike: "
            "the statement can give back a column of the row it wrote (with DO NOTHING, a conflict "
            "writes no row, so nothing comes back)."
        )
    if returned != [bo_before[0], grace[0], grace[0]]:
        raise Hint(f"returned {returned}: expected the id of the user inserted or updated by each call.")
    return "one statement per call, the id returned, and only the profile columns updated."


def _upserted(session: Session, email: str) -> tuple | None:
    row = session.execute(
        text('SELECT id, username, full_name, is_active, created_at FROM "user" WHERE email = :email'),
        {"email": email},
    ).first()
    return None if row is None else tuple(row)
