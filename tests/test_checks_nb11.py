"""The checks of notebooks/11_fastapi.ipynb: wrong answers get hints, right ones pass."""

import pytest
from pydantic import field_validator
from sqlalchemy.orm import selectinload
from sqlmodel import Field, Relationship, Session, SQLModel, create_engine, select

from course_lib.exercises import run_check


class CheckOwner(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    tasks: list["CheckTask"] = Relationship(back_populates="owner")


class CheckTask(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    title: str
    owner_id: int = Field(foreign_key="checkowner.id")
    owner: CheckOwner | None = Relationship(back_populates="tasks")


@pytest.fixture
def engine(scratch_name):
    from course_lib import notebook_database

    db = notebook_database(scratch_name("nb11"))
    engine = create_engine(db.url)
    SQLModel.metadata.create_all(engine, tables=[CheckOwner.__table__, CheckTask.__table__])
    with Session(engine) as session:
        for name, titles in [("ada", ["a", "b"]), ("grace", ["c"]), ("alan", [])]:
            session.add(CheckOwner(name=name, tasks=[CheckTask(title=title) for title in titles]))
        session.commit()
    yield engine
    engine.dispose()


class RightTaskUpdate(SQLModel):
    title: str | None = None
    done: bool | None = None

    @field_validator("title", "done")
    @classmethod
    def reject_null(cls, value):
        if value is None:
            raise ValueError("not null")
        return value


class NullableTaskUpdate(SQLModel):
    title: str | None = None
    done: bool | None = None


class RequiredTaskUpdate(SQLModel):
    title: str
    done: bool


class DefaultsTaskUpdate(SQLModel):
    title: str = "untitled"
    done: bool = False


def test_task_update():
    assert run_check("nb11-task-update", RightTaskUpdate)[0]
    for wrong, words in [
        (NullableTaskUpdate, "field_validator"),
        (RequiredTaskUpdate, "empty PATCH body"),
        (SQLModel, "exactly the fields"),
        (RightTaskUpdate(), "TaskUpdate class"),
    ]:
        passed, message = run_check("nb11-task-update", wrong)
        assert not passed and words in message, message
    # defaults that are not None still dump only what was sent, and reject null: accepted
    assert run_check("nb11-task-update", DefaultsTaskUpdate)[0]


def test_status_codes():
    right = {"duplicate email": 409, "missing user": 404, "limit 500": 422, "null username": 422}
    assert run_check("nb11-status-codes", right)[0]
    for change, words in [
        ({"duplicate email": 400}, "409"),
        ({"null username": 500}, "old PATCH"),
        ({"limit 500": 200}, "le=100"),
        ({"missing user": 500}, "make the request"),
    ]:
        passed, message = run_check("nb11-status-codes", {**right, **change})
        assert not passed and words in message, message
    passed, message = run_check("nb11-status-codes", {"missing user": 404})
    assert not passed and "lacks" in message
    passed, message = run_check("nb11-status-codes", [409, 404, 422, 422])
    assert not passed and "dict" in message


def test_users_with_tasks_query(engine):
    right = select(CheckOwner).options(selectinload(CheckOwner.tasks)).order_by(CheckOwner.id)
    passed, message = run_check("nb11-users-with-tasks-query", right, engine)
    assert passed and "3 users and 3 tasks in 2 queries" in message, message
    for wrong, words in [
        (select(CheckOwner).order_by(CheckOwner.id), "selectinload"),
        (select(CheckOwner).options(selectinload(CheckOwner.tasks)).order_by(CheckOwner.id.desc()), "order"),
        (select(CheckOwner).options(selectinload(CheckOwner.tasks)).limit(1), "every user"),
        (select(CheckOwner.name), "select(User)"),
        ("SELECT * FROM checkowner", "select(User)"),
    ]:
        passed, message = run_check("nb11-users-with-tasks-query", wrong, engine)
        assert not passed and words in message, message


def test_session_override(engine):
    def right(some_engine):
        def dependency():
            with Session(some_engine) as session:
                yield session

        return dependency

    assert run_check("nb11-test-session-override", right, engine)[0]

    other_engine = create_engine(engine.url)

    def wrong_engine(some_engine):
        def dependency():
            with Session(other_engine) as session:
                yield session

        return dependency

    def returns_session(some_engine):
        return lambda: Session(some_engine)

    for wrong, words in [
        (wrong_engine, "not bound"),
        (returns_session, "generator function"),
        (lambda some_engine: None, "return a function"),
        ("get_session_for", "your function"),
    ]:
        passed, message = run_check("nb11-test-session-override", wrong, engine)
        assert not passed and words in message, message
