"""Checks for notebooks/01_models.ipynb.

Models, fields and constraints are graded by what PostgreSQL does with them: each check
creates the learner's table in a scratch database of its own (``check_database()``),
reads the catalog and inserts rows with raw SQL, never by reading the DDL text.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from pydantic.fields import FieldInfo
from sqlalchemy import MetaData, Table, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from course_lib.exercises import Hint, LearnerError, check_database, exercise, learner, learner_rows

# --- exercise 1: a data model that validates ------------------------------------------------


def _rejects(model: Any, data: dict[str, Any]) -> bool:
    try:
        learner(model.model_validate, data)
    except LearnerError as error:
        if isinstance(error.error, ValidationError):
            return True
        raise
    return False


@exercise("nb01-task-create", level=1)
def task_create(answer: Any) -> str:
    if not (isinstance(answer, type) and issubclass(answer, SQLModel)):
        raise Hint("answer_1 should be the class itself (answer_1 = TaskCreate), a subclass of SQLModel.")
    if getattr(answer, "__table__", None) is not None:
        raise Hint("TaskCreate is a data model: leave out table=True (table models do not validate).")
    good = {"project_id": 1, "title": "Write the release notes"}
    if _rejects(answer, good):
        raise Hint("a valid task (project_id and title only) was rejected: every other field has a default.")
    task = answer.model_validate(good)
    if getattr(task, "priority", None) != 2 or getattr(task, "description", "unset") is not None:
        raise Hint("priority should default to 2 and description to None.")
    if not _rejects(answer, {"title": "No project"}):
        raise Hint("project_id is required: give it no default.")
    if not _rejects(answer, {**good, "title": "ab"}) or not _rejects(answer, {**good, "title": "x" * 201}):
        raise Hint("a title of 2 or of 201 characters got through: Field(min_length=..., max_length=...).")
    if _rejects(answer, {**good, "title": "abc"}) or _rejects(answer, {**good, "title": "é" * 200}):
        raise Hint("titles of exactly 3 and exactly 200 characters (even non-ASCII ones) must be accepted.")
    if not _rejects(answer, {**good, "priority": 0}) or not _rejects(answer, {**good, "priority": 5}):
        raise Hint("priority 0 or 5 got through: bound it with Field(ge=..., le=...).")
    if _rejects(answer, {**good, "priority": 1}) or _rejects(answer, {**good, "priority": 4}):
        raise Hint("priorities 1 and 4 are allowed: the bounds are inclusive (ge/le, not gt/lt).")
    if _rejects(answer, {**good, "description": "Fine."}):
        raise Hint("a description (a string) should be accepted.")
    return "a data model validates on the way in, bounds included."


# --- exercise 2: SQL on the table called user -----------------------------------------------

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


# --- exercise 3: a default both Python and PostgreSQL know ------------------------------------


def _stamped_model(field: FieldInfo) -> type[SQLModel]:
    """A throw-away table model (a registry of its own) with the learner's field as updated_at."""

    class Probe(SQLModel, registry=registry()):
        pass

    class Stamped(Probe, table=True):
        __tablename__ = "stamped"
        id: int | None = Field(default=None, primary_key=True)
        note: str | None = None
        updated_at: datetime = field

    return Stamped


def _column_default(engine: Engine, table: str, column: str) -> str | None:
    """The column's server default as PostgreSQL stores it (pg_attrdef), or None."""
    with engine.connect() as conn:
        return conn.execute(
            text(
                """SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d
                   JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
                   WHERE d.adrelid = CAST(:table AS regclass) AND a.attname = :column"""
            ),
            {"table": table, "column": column},
        ).scalar()


@exercise("nb01-server-default", level=2)
def server_default(answer: Any) -> str:
    if not isinstance(answer, FieldInfo):
        raise Hint("answer_3 should be a Field(...) (the right-hand side of `updated_at: datetime = ...`).")
    model = learner(_stamped_model, answer)
    with check_database() as engine:
        try:
            model.metadata.create_all(engine)
        except DBAPIError as error:
            raise Hint(
                "PostgreSQL could not create the column "
                f"({type(error.orig).__name__}: {str(error.orig).splitlines()[0]}). A string "
                "server_default is sent as a quoted literal ('...'); for an SQL expression pass "
                'func.now() or text("now()").'
            ) from None
        stored = _column_default(engine, "stamped", "updated_at")
        if stored is None:
            raise Hint(
                "PostgreSQL has no DEFAULT for updated_at: default/default_factory stay on the Python "
                'side. Add sa_column_kwargs={"server_default": ...}.'
            )
        # Two rows in two transactions, apart in time, written by raw SQL (no Python default).
        stamps = []
        for _ in range(2):
            with engine.begin() as conn:
                conn.execute(text("SELECT pg_sleep(0.02)"))
                stamps.append(
                    conn.execute(
                        text(
                            "INSERT INTO stamped DEFAULT VALUES "
                            "RETURNING updated_at, transaction_timestamp(), clock_timestamp()"
                        )
                    ).one()
                )
        # An UPDATE written by SQLAlchemy (Core, as the ORM's flush does), a moment later.
        table = model.__table__
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_sleep(0.02)"))
            conn.execute(update(table).where(table.c.id == 1).values(note="edited"))
            updated = conn.execute(text("SELECT updated_at FROM stamped WHERE id = 1")).scalar_one()
    (first, first_start, _), (second, second_start, second_clock) = stamps
    if first == second:
        raise Hint(
            f"PostgreSQL stores your default as {stored}: a constant, the moment of CREATE TABLE, so "
            "every row gets the same frozen timestamp. A string server_default is a literal, which "
            'PostgreSQL read once, as a timestamp; pass an SQL expression: func.now() or text("now()").'
        )
    slack = timedelta(seconds=5)
    if not (first_start - slack <= first <= second_start + slack and second <= second_clock + slack):
        raise Hint(f"rows inserted now got {second:%Y-%m-%d %H:%M}: the default should be the current time.")
    if updated <= first:
        raise Hint(
            "after an UPDATE written by SQLAlchemy, updated_at still holds the INSERT's time: the Column "
            "option onupdate= (in sa_column_kwargs, next to server_default) gives the value for UPDATEs."
        )
    first_object = model()
    time.sleep(0.01)
    values = [first_object.updated_at, model().updated_at]
    if not all(isinstance(value, datetime) for value in values):
        raise Hint(
            "a Stamped() built in Python has no updated_at: add default_factory so Python fills it too."
        )
    if any(value.tzinfo is None or value.utcoffset() != timedelta(0) for value in values):
        raise Hint("Python's value should be aware and in UTC: default_factory=lambda: datetime.now(UTC).")
    if values[0] == values[1]:
        raise Hint(
            "two objects built at different moments got the same updated_at: default= is evaluated once, "
            "when the class is defined. Use default_factory= (a function, called for each object)."
        )
    if abs(datetime.now(UTC) - values[1]) > slack:
        raise Hint("Python's value is not the current time: default_factory=lambda: datetime.now(UTC).")
    return (
        f"PostgreSQL stores {stored}, evaluated for every row; SQLAlchemy refreshes it on UPDATE, "
        "and Python fills the object too."
    )


# --- exercise 4: a table whose rules PostgreSQL enforces --------------------------------------

TICKET_COLUMNS = ("title", "status", "closed_at")


def _probe(engine: Engine, table: str, values: dict[str, str]) -> tuple[bool, tuple | None]:
    """Insert one row by raw SQL (``values`` are SQL expressions); (accepted, the row read back)."""
    columns = ", ".join(values)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(values.values())}) RETURNING status, closed_at"
    try:
        with engine.begin() as conn:
            return True, tuple(conn.execute(text(sql)).one())
    except (IntegrityError, DBAPIError):
        return False, None


@exercise("nb01-ticket-rules", level=3)
def ticket_rules(answer: Any) -> str:
    table = getattr(answer, "__table__", None)
    if not isinstance(answer, type) or not isinstance(table, Table):
        raise Hint("answer_4 should be a table model class (class Ticket(SQLModel, table=True): ...).")
    missing = [name for name in TICKET_COLUMNS if name not in table.c]
    if missing:
        raise Hint(f"the table has no column {missing[0]!r}: name the fields title, status and closed_at.")
    copy = table.to_metadata(MetaData())
    with check_database() as engine:
        try:
            copy.metadata.create_all(engine)
        except DBAPIError as error:
            raise Hint(
                f"PostgreSQL refused to create the table ({type(error.orig).__name__}: "
                f"{str(error.orig).splitlines()[0]})."
            ) from None
        name = engine.dialect.identifier_preparer.format_table(copy)
        title = "'Printer on fire'"

        accepted, row = _probe(engine, name, {"title": title})
        if not accepted:
            raise Hint(
                "a raw INSERT naming only the title was refused: PostgreSQL must fill status itself. "
                "A Python default is not enough; give status a server_default of 'open'."
            )
        if row != ("open", None):
            raise Hint(
                f"a raw INSERT naming only the title stored status={row[0]!r}: the server default is 'open'."
            )
        if _probe(engine, name, {"title": title, "status": "NULL"})[0]:
            raise Hint(
                "status NULL was accepted: make the column NOT NULL (a plain str). A CHECK alone lets NULL "
                "through, because a CHECK fails only when its condition is false, and NULL is not false."
            )
        if _probe(engine, name, {"title": title, "status": "'shut'"})[0]:
            raise Hint(
                "status 'shut' was accepted: a CHECK constraint should allow only 'open' and 'closed'."
            )
        if not _probe(engine, name, {"title": title, "status": "'closed'", "closed_at": "now()"})[0]:
            raise Hint("a closed ticket with its closed_at was refused: that one is valid.")
        if _probe(engine, name, {"title": title, "status": "'closed'", "closed_at": "NULL"})[0]:
            raise Hint(
                "a closed ticket without closed_at was accepted. A rule across two columns is a table "
                "constraint: __table_args__ = (CheckConstraint(...),)."
            )
        if _probe(engine, name, {"title": title, "status": "'open'", "closed_at": "now()"})[0]:
            raise Hint(
                "an open ticket with a closed_at was accepted: closed_at is set exactly when the status is "
                "'closed', in both directions."
            )
        if _probe(engine, name, {"title": "NULL"})[0]:
            raise Hint("a ticket without a title was accepted: title is required (NOT NULL).")
        if _probe(engine, name, {"title": "repeat('x', 201)"})[0]:
            raise Hint("a title of 201 characters was accepted: Field(max_length=200) makes it VARCHAR(200).")
        if not _probe(engine, name, {"title": "repeat('é', 200)"})[0]:
            raise Hint("a title of 200 characters was refused: the limit is 200, and it counts characters.")
    return "PostgreSQL itself fills the status and refuses every invalid ticket, whoever writes it."
