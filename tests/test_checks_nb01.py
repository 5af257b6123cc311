"""The exercise checks of notebooks/01_models.ipynb: wrong answers get a hint, right ones pass."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, func, text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from course_lib import notebook_database
from course_lib.exercises import run_check


def data_model(**fields):
    """A fresh data model ``TaskCreate`` with the given field definitions."""
    annotations = {name: annotation for name, (annotation, _) in fields.items()}
    namespace = {name: default for name, (_, default) in fields.items() if default is not ...}
    return type("TaskCreate", (SQLModel,), {"__annotations__": annotations, **namespace})


GOOD_FIELDS = {
    "project_id": (int, ...),
    "title": (str, Field(min_length=3, max_length=200)),
    "description": (str | None, None),
    "priority": (int, Field(default=2, ge=1, le=4)),
}


def test_task_create_right():
    passed, message = run_check("nb01-task-create", data_model(**GOOD_FIELDS))
    assert passed, message


@pytest.mark.parametrize(
    ("change", "hint"),
    [
        ({"priority": (int, 2)}, "priority must be 1 to 4"),
        ({"title": (str, ...)}, "min_length=3"),
        ({"project_id": (int, 1)}, "project_id is required"),
        ({"priority": (int, Field(default=3, ge=1, le=4))}, "default to 2"),
    ],
)
def test_task_create_wrong(change, hint):
    passed, message = run_check("nb01-task-create", data_model(**{**GOOD_FIELDS, **change}))
    assert not passed and hint in message


def test_task_create_not_a_class_or_a_table():
    assert "the class itself" in run_check("nb01-task-create", {"title": "x"})[1]

    class Base(SQLModel, registry=registry()):
        pass

    class TaskTable(Base, table=True):
        id: int | None = Field(default=None, primary_key=True)
        title: str

    passed, message = run_check("nb01-task-create", TaskTable)
    assert not passed and "leave out table=True" in message


@pytest.fixture
def project_engine(scratch_name):
    db = notebook_database(scratch_name("nb01"))
    engine = create_engine(db.url)
    with engine.begin() as conn:
        conn.execute(text('CREATE TABLE "user" (id serial PRIMARY KEY, email text NOT NULL)'))
        conn.execute(text("INSERT INTO \"user\" (email) VALUES ('a@example.com'), ('b@example.com')"))
        conn.execute(
            text(
                "CREATE TABLE project (id serial PRIMARY KEY, owner_id integer NOT NULL, "
                "name varchar(120) NOT NULL, description text, created_at timestamptz NOT NULL)"
            )
        )
    yield engine
    engine.dispose()


def test_catalog(project_engine):
    right = [
        ("id", "integer", "NO"),
        ("owner_id", "integer", "NO"),
        ("name", "character varying", "NO"),
        ("description", "text", "YES"),
        ("created_at", "timestamp with time zone", "NO"),
    ]
    assert run_check("nb01-catalog", right, project_engine)[0]
    assert "ORDER BY ordinal_position" in run_check("nb01-catalog", sorted(right), project_engine)[1]
    assert not run_check("nb01-catalog", right[:4], project_engine)[0]
    assert "list of tuples" in run_check("nb01-catalog", [list(row) for row in right], project_engine)[1]


def test_server_default():
    right = Field(default_factory=lambda: datetime.now(UTC), sa_column_kwargs={"server_default": func.now()})
    assert run_check("nb01-server-default", right)[0]
    python_only = Field(default_factory=lambda: datetime.now(UTC))
    passed, message = run_check("nb01-server-default", python_only)
    assert not passed and "server_default" in message
    database_only = Field(sa_column_kwargs={"server_default": func.now()})
    passed, message = run_check("nb01-server-default", database_only)
    assert not passed and "Python should fill it too" in message
    wrong_value = Field(default_factory=lambda: datetime.now(UTC), sa_column_kwargs={"server_default": "0"})
    assert not run_check("nb01-server-default", wrong_value)[0]


def test_count_users(project_engine):
    assert run_check("nb01-count-users", 'SELECT count(*) FROM "user"', project_engine)[0]
    passed, message = run_check("nb01-count-users", "SELECT count(*) FROM user", project_engine)
    assert not passed and "current_user" in message
    passed, message = run_check("nb01-count-users", "SELECT count(*) FROM users", project_engine)
    assert not passed and "rejected" in message
