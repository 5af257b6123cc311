"""Exercise 2: SQL on the table called user (``nb01-active-usernames``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from course_lib.exercises import Hint, LearnerError, check_database, exercise, learner_rows

USERS_DDL = """
CREATE TABLE "user" (
    email varchar(255) NOT NULL UNIQUE,
    username varchar(40) NOT NULL,
    full_name varchar NOT NULL,
    is_active boolean NOT NULL,
    id serial PRIMARY KEY,
    hashed_password varchar,
    created_at timestamptz NOT NULL DEFAULT now()
)
"""
# Not the notebook's users: inactive ones in between, non-ASCII names, a username
# that sorts differently by case, one with no password.
USERS = [
    ("zoe@example.com", "zoë", "Zoë Adler", True),
    ("bo@example.com", "bo", "Bo Lind", False),
    ("amir@example.com", "amir", "Amir Haddad", True),
    ("eve@example.com", "Eve", "Eve Park", True),
    ("old@example.com", "oldtimer", "Old Timer", False),
    ("cem@example.com", "çem", "Cem Yılmaz", True),
]
ACTIVE_USERNAMES_SQL = 'SELECT username FROM "user" WHERE is_active ORDER BY username'


def _fill_users(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text(USERS_DDL))
        conn.execute(
            text(
                'INSERT INTO "user" (email, username, full_name, is_active) '
                "VALUES (:email, :username, :full_name, :is_active)"
            ),
            [dict(zip(("email", "username", "full_name", "is_active"), user, strict=True)) for user in USERS],
        )


@exercise("nb01-active-usernames", level=1)
def active_usernames(answer: Any) -> str:
    if not isinstance(answer, str):
        raise Hint("answer_2 should be the SQL, as a string.")
    with check_database() as engine:
        _fill_users(engine)
        expected = learner_rows(engine, ACTIVE_USERNAMES_SQL)
        try:
            got = learner_rows(engine, answer)
        except LearnerError as error:
            if "UndefinedColumn" in str(error) and '"user"' not in answer:
                raise Hint(
                    "PostgreSQL read `user` as the reserved word (current_user), not as the table, so the "
                    'table\'s columns are unknown there. Quote the table name: "user".'
                ) from None
            raise
        with engine.connect() as conn:
            role = conn.execute(text("SELECT current_user")).scalar_one()
    if got == [(role,)]:
        raise Hint('that is the name of the database role: unquoted, user means current_user. Write "user".')
    if got and len(got[0]) != 1:
        raise Hint("return one column, username.")
    if sorted(got) == sorted(expected) and got != expected:
        raise Hint("the right usernames in another order: ORDER BY username.")
    names = {row[0] for row in got}
    inactive = {user[1] for user in USERS if not user[3]}
    if names & inactive:
        raise Hint("inactive users are in your result: keep only the rows whose is_active is true.")
    if got != expected:
        raise Hint(
            f"on the check's own users, your query returned {len(got)} rows and the right one "
            f"{len(expected)}: the active users' usernames, from the table, sorted."
        )
    return f"{len(expected)} active users, from a table whose name needs quotes."
