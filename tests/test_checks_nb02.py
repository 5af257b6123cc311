"""The exercise checks of notebooks/02_crud.ipynb: wrong answers get a hint, right ones pass."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from helpers import unique_name
from psycopg import sql as psycopg_sql
from sqlalchemy import create_engine, text
from sqlalchemy.orm import registry
from sqlmodel import Field, Session, SQLModel, col, select

from course_lib import current_server, notebook_database
from course_lib.data import load_course_data
from course_lib.exercises import run_check


class Base(SQLModel, registry=registry()):
    """Models of this test module's own (not SQLModel.metadata)."""


class User(Base, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str
    username: str
    full_name: str
    created_at: datetime


class Project(Base, table=True):
    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="user.id")
    name: str
    created_at: datetime


class Task(Base, table=True):
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    title: str
    description: str | None = None
    status: str = "todo"
    priority: int = 2
    due_date: date | None = None
    created_at: datetime
    deleted_at: datetime | None = None


class TaskUpdate(SQLModel):
    title: str | None = None
    description: str | None = None
    status: str | None = None
    priority: int | None = None
    due_date: date | None = None


@pytest.fixture(scope="module")
def engine():
    db = notebook_database(unique_name("nb02"))
    engine = create_engine(db.url)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        load_course_data(session, User=User, Project=Project, Task=Task)
    with engine.begin() as conn:
        conn.execute(text("UPDATE task SET deleted_at = :now WHERE id IN (2, 3)"), {"now": datetime.now(UTC)})
    yield engine
    engine.dispose()
    with current_server().connect() as conn:
        conn.execute(
            psycopg_sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(psycopg_sql.Identifier(db.name))
        )


def page_query(
    project="Platform reliability", order=(Task.priority, Task.id), offset_of=lambda p, s: (p - 1) * s
):
    def tasks_page(session, page, size):
        statement = (
            select(Task.title)
            .join(Project)
            .where(Project.name == project)
            .order_by(*order)
            .offset(offset_of(page, size))
            .limit(size)
        )
        return list(session.exec(statement).all())

    return tasks_page


def test_page(engine):
    assert run_check("nb02-page", page_query(), engine)[0]
    passed, message = run_check("nb02-page", page_query(offset_of=lambda p, s: p * s), engine)
    assert not passed and "one page too far" in message
    passed, message = run_check("nb02-page", page_query(order=(Task.id,)), engine)
    assert not passed
    passed, message = run_check("nb02-page", page_query(project="Search relaunch"), engine)
    assert not passed
    assert "the function itself" in run_check("nb02-page", ["a", "b"], engine)[1]


def search_with(make_condition, ordered=True):
    def search_titles(session, q):
        statement = select(Task.title).where(make_condition(q))
        if ordered:
            statement = statement.order_by(Task.title)
        return list(session.exec(statement).all())

    return search_titles


def test_search(engine):
    right = search_with(lambda q: col(Task.title).icontains(q, autoescape=True))
    assert run_check("nb02-search", right, engine)[0]
    wildcards = search_with(lambda q: col(Task.title).icontains(q))
    passed, message = run_check("nb02-search", wildcards, engine)
    assert not passed and "autoescape" in message
    case_sensitive = search_with(lambda q: col(Task.title).contains(q, autoescape=True))
    passed, message = run_check("nb02-search", case_sensitive, engine)
    assert not passed and "ignore the case" in message
    unordered = search_with(lambda q: col(Task.title).icontains(q, autoescape=True), ordered=False)
    passed, message = run_check("nb02-search", unordered, engine)
    assert not passed and "sort them" in message


def patcher(dump_options):
    def patch_task(session, task_id, patch):
        task = session.get(Task, task_id)
        task.sqlmodel_update(patch.model_dump(**dump_options))
        session.add(task)
        session.commit()
        session.refresh(task)
        return task

    return patch_task


def test_patch(engine):
    with engine.connect() as conn:
        before = conn.execute(text("SELECT title, priority, description FROM task WHERE id = 10")).one()
    assert run_check("nb02-patch", patcher({"exclude_unset": True}), TaskUpdate, engine)[0]
    passed, message = run_check("nb02-patch", patcher({"exclude_none": True}), TaskUpdate, engine)
    assert not passed and "explicit None" in message
    passed, message = run_check("nb02-patch", patcher({}), TaskUpdate, engine)
    assert not passed
    with engine.connect() as conn:
        after = conn.execute(text("SELECT title, priority, description FROM task WHERE id = 10")).one()
    assert after == before, "the check must roll back what the learner's function committed"


def test_async_count(engine):
    with engine.connect() as conn:
        live = dict(
            conn.execute(text("SELECT status, count(*) FROM task WHERE deleted_at IS NULL GROUP BY 1")).all()
        )
        everything = dict(conn.execute(text("SELECT status, count(*) FROM task GROUP BY 1")).all())
    assert run_check("nb02-async-count", live, engine)[0]
    passed, message = run_check("nb02-async-count", everything, engine)
    assert not passed and "soft-deleted" in message
    assert not run_check("nb02-async-count", list(live.items()), engine)[0]
    assert not run_check("nb02-async-count", {**live, "todo": live["todo"] + 1}, engine)[0]
