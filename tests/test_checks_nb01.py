"""The exercise checks of notebooks/01_models.ipynb: the reference passes, each wrong answer gets its hint.

The checks create the learner's tables in scratch databases of their own and probe them with
raw SQL, so these tests need only the course's server.
"""

from __future__ import annotations

import types
from datetime import UTC, datetime

import pytest
from helpers import assert_hint, assert_learner_error, assert_not_answered, assert_passes
from sqlalchemy import CheckConstraint, func, text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


@pytest.fixture(autouse=True)
def _server(embedded):
    """Every check here (but the first) creates a scratch database on the course's embedded server."""


def data_model(**fields):
    """A fresh data model ``TaskCreate`` with the given field definitions."""
    annotations = {name: annotation for name, (annotation, _) in fields.items()}
    namespace = {name: default for name, (_, default) in fields.items() if default is not ...}
    return type("TaskCreate", (SQLModel,), {"__annotations__": annotations, **namespace})


# --- nb01-task-create -------------------------------------------------------------------------

GOOD_FIELDS = {
    "project_id": (int, ...),
    "title": (str, Field(min_length=3, max_length=200)),
    "description": (str | None, None),
    "priority": (int, Field(default=2, ge=1, le=4)),
}


def test_task_create_reference_passes():
    assert_passes("nb01-task-create", data_model(**GOOD_FIELDS))


@pytest.mark.parametrize(
    ("change", "hint"),
    [
        ({"priority": (int, 2)}, "Field(ge=..., le=...)"),
        ({"priority": (int, Field(default=2, gt=1, lt=4))}, "inclusive"),
        ({"title": (str, ...)}, "min_length"),
        ({"title": (str, Field(min_length=4, max_length=200))}, "exactly 3"),
        ({"project_id": (int, 1)}, "project_id is required"),
        ({"priority": (int, Field(default=3, ge=1, le=4))}, "default to 2"),
        ({"description": (str, ...)}, "every other field has a default"),
    ],
)
def test_task_create_wrong_answers_get_their_hint(change, hint):
    assert_hint("nb01-task-create", data_model(**{**GOOD_FIELDS, **change}), contains=hint)


def test_task_create_not_a_class_or_a_table():
    assert_hint("nb01-task-create", {"title": "x"}, contains="the class itself")

    class Base(SQLModel, registry=registry()):
        pass

    class TaskTable(Base, table=True):
        id: int | None = Field(default=None, primary_key=True)
        title: str

    assert_hint("nb01-task-create", TaskTable, contains="leave out table=True")
    assert_not_answered("nb01-task-create", ...)


# --- nb01-active-usernames --------------------------------------------------------------------


def test_active_usernames_reference_passes():
    assert_passes("nb01-active-usernames", 'SELECT username FROM "user" WHERE is_active ORDER BY username')
    assert_passes(
        "nb01-active-usernames", 'SELECT u.username FROM "user" u WHERE u.is_active = true ORDER BY 1'
    )


def test_active_usernames_hard_coded_fails():
    # What the reference returns on the notebook's data, typed in: the check's users are others.
    copied = "SELECT * FROM (VALUES ('aabbott'), ('bhayes'), ('cokafor')) AS t(username)"
    assert_hint("nb01-active-usernames", copied, contains="the check's own users")


def test_active_usernames_unquoted_user_is_the_reserved_word():
    sql = "SELECT username FROM user WHERE is_active ORDER BY username"
    assert_hint("nb01-active-usernames", sql, contains=('Quote the table name: "user"', "current_user"))
    assert_hint("nb01-active-usernames", "SELECT * FROM user", contains="name of the database role")


def test_active_usernames_wrong_answers_get_their_hint():
    assert_hint("nb01-active-usernames", 'SELECT username FROM "user" WHERE is_active', contains="ORDER BY")
    assert_hint(
        "nb01-active-usernames", 'SELECT username FROM "user" ORDER BY username', contains="is_active"
    )
    assert_hint(
        "nb01-active-usernames",
        'SELECT username, email FROM "user" WHERE is_active ORDER BY username',
        contains="one column",
    )
    assert_hint("nb01-active-usernames", 42, contains="as a string")
    assert_learner_error("nb01-active-usernames", 'SELECT username FROM "users"', contains="UndefinedTable")


# --- nb01-server-default ----------------------------------------------------------------------


def aware_now():
    return datetime.now(UTC)


def test_server_default_reference_passes():
    assert_passes(
        "nb01-server-default",
        Field(
            default_factory=aware_now, sa_column_kwargs={"server_default": func.now(), "onupdate": func.now()}
        ),
    )


def test_server_default_text_now_passes():
    message = assert_passes(
        "nb01-server-default",
        Field(
            default_factory=aware_now,
            sa_column_kwargs={"server_default": text("now()"), "onupdate": aware_now},
        ),
    )
    assert "now()" in message


@pytest.mark.parametrize("frozen", ["now()", "now"])
def test_server_default_string_is_frozen_at_create_table(frozen):
    answer = Field(
        default_factory=aware_now, sa_column_kwargs={"server_default": frozen, "onupdate": func.now()}
    )
    assert_hint(
        "nb01-server-default",
        answer,
        contains=("frozen timestamp", "::timestamp with time zone", "func.now()"),
    )


def test_server_default_the_issue_case_now_string_is_frozen():
    # The classic bug: the string 'now()' is a literal PostgreSQL turns into one timestamp at CREATE TABLE.
    answer = Field(sa_column_kwargs={"server_default": "now()"})
    assert_hint("nb01-server-default", answer, contains=("frozen timestamp", "func.now()", 'text("now()")'))


def test_server_default_without_onupdate_is_not_refreshed():
    answer = Field(default_factory=aware_now, sa_column_kwargs={"server_default": func.now()})
    assert_hint("nb01-server-default", answer, contains="onupdate=")


def test_server_default_hard_coded_timestamp_fails():
    copied = Field(
        default=datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC),
        sa_column_kwargs={"server_default": "2026-03-14 09:26:53+00"},
    )
    assert_hint("nb01-server-default", copied, contains="frozen timestamp")


def test_server_default_wrong_answers_get_their_hint():
    assert_hint("nb01-server-default", Field(default_factory=aware_now), contains="no DEFAULT for updated_at")
    assert_hint(
        "nb01-server-default",
        Field(default_factory=aware_now, sa_column_kwargs={"server_default": "CURRENT_TIMESTAMP"}),
        contains=("could not create the column", "quoted literal"),
    )
    assert_hint(
        "nb01-server-default",
        Field(sa_column_kwargs={"server_default": func.now(), "onupdate": func.now()}),
        contains="add default_factory",
    )
    assert_hint(
        "nb01-server-default",
        Field(
            default_factory=datetime.utcnow,
            sa_column_kwargs={"server_default": func.now(), "onupdate": func.now()},
        ),
        contains="aware and in UTC",
    )
    assert_hint(
        "nb01-server-default",
        Field(
            default=datetime.now(UTC), sa_column_kwargs={"server_default": func.now(), "onupdate": func.now()}
        ),
        contains="default= is evaluated once",
    )
    assert_hint("nb01-server-default", func.now(), contains="should be a Field(...)")


# --- nb01-ticket-rules ------------------------------------------------------------------------


def ticket_model(status_field=None, table_args=(), title_field=None, status_type=str):
    """A Ticket table model on a registry of its own; the reference unless told otherwise."""

    class Base(SQLModel, registry=registry()):
        pass

    namespace = {
        "__tablename__": "ticket",
        "__table_args__": table_args,
        "__annotations__": {
            "id": int | None,
            "title": str,
            "status": status_type,
            "closed_at": datetime | None,
        },
        "id": Field(default=None, primary_key=True),
        "title": title_field if title_field is not None else Field(max_length=200),
        "status": status_field
        if status_field is not None
        else Field(default="open", max_length=20, sa_column_kwargs={"server_default": "open"}),
        "closed_at": None,
    }
    return types.new_class("Ticket", (Base,), {"table": True}, lambda body: body.update(namespace))


KNOWN = CheckConstraint("status IN ('open', 'closed')", name="ticket_status_known")
CLOSED_AT_IFF_CLOSED = CheckConstraint(
    "(status = 'closed') = (closed_at IS NOT NULL)", name="ticket_closed_at"
)


def test_ticket_rules_reference_passes():
    assert_passes("nb01-ticket-rules", ticket_model(table_args=(KNOWN, CLOSED_AT_IFF_CLOSED)))


def test_ticket_rules_python_default_only():
    answer = ticket_model(status_field=Field(default="open"), table_args=(KNOWN, CLOSED_AT_IFF_CLOSED))
    assert_hint("nb01-ticket-rules", answer, contains="server_default")


def test_ticket_rules_nullable_status():
    answer = ticket_model(
        status_field=Field(default="open", sa_column_kwargs={"server_default": "open"}),
        status_type=str | None,
        table_args=(KNOWN, CLOSED_AT_IFF_CLOSED),
    )
    assert_hint("nb01-ticket-rules", answer, contains=("NOT NULL", "NULL is not false"))


def test_ticket_rules_missing_constraints():
    assert_hint("nb01-ticket-rules", ticket_model(table_args=(CLOSED_AT_IFF_CLOSED,)), contains="'shut'")
    assert_hint("nb01-ticket-rules", ticket_model(table_args=(KNOWN,)), contains="__table_args__")
    one_way = CheckConstraint("status <> 'closed' OR closed_at IS NOT NULL", name="ticket_one_way")
    assert_hint("nb01-ticket-rules", ticket_model(table_args=(KNOWN, one_way)), contains="both directions")


def test_ticket_rules_title_length():
    no_limit = ticket_model(title_field=Field(), table_args=(KNOWN, CLOSED_AT_IFF_CLOSED))
    assert_hint("nb01-ticket-rules", no_limit, contains="max_length=200")
    too_short = ticket_model(title_field=Field(max_length=100), table_args=(KNOWN, CLOSED_AT_IFF_CLOSED))
    assert_hint("nb01-ticket-rules", too_short, contains="counts characters")


def test_ticket_rules_shape():
    assert_hint("nb01-ticket-rules", "CREATE TABLE ticket (...)", contains="table model class")

    class Base(SQLModel, registry=registry()):
        pass

    class Ticket(Base, table=True):
        id: int | None = Field(default=None, primary_key=True)
        title: str

    assert_hint("nb01-ticket-rules", Ticket, contains="no column 'status'")
