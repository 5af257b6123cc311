"""Each check of 03_relationships fails on wrong answers and passes on the right one.

The models here are plain SQLAlchemy ones on a registry of their own, so they never
clash with another test module's SQLModel tables in the same process.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Column, ForeignKey, String, Table, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, selectinload

from course_lib import notebook_database
from course_lib.exercises import run_check


class Base(DeclarativeBase):
    pass


task_tag = Table(
    "tasktaglink",
    Base.metadata,
    Column("task_id", ForeignKey("task.id"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id"), primary_key=True),
)


class User(Base):
    __tablename__ = "user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String)


class Project(Base):
    __tablename__ = "project"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String)
    tasks: Mapped[list[Task]] = relationship(back_populates="project")


class Task(Base):
    __tablename__ = "task"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    title: Mapped[str] = mapped_column(String)
    status: Mapped[str] = mapped_column(String)
    project: Mapped[Project] = relationship(back_populates="tasks")
    tags: Mapped[list[Tag]] = relationship(secondary=task_tag)


class Tag(Base):
    __tablename__ = "tag"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String)


class ProjectMember(Base):
    __tablename__ = "projectmember"
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String)


@pytest.fixture(scope="module")
def engine():
    db = notebook_database("test_checks_nb03")
    engine = create_engine(db.url)
    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(User.__table__.insert(), [{"id": 1, "username": "ada"}, {"id": 2, "username": "bob"}])
        conn.execute(
            Project.__table__.insert(),
            [{"id": 1, "name": "Search relaunch"}, {"id": 2, "name": "Billing"}, {"id": 3, "name": "Empty"}],
        )
        conn.execute(
            Task.__table__.insert(),
            [
                {"id": 1, "project_id": 1, "title": "Rename user_id column to account_id", "status": "todo"},
                {"id": 2, "project_id": 1, "title": "Fix search", "status": "done"},
                {"id": 3, "project_id": 2, "title": "Send invoices", "status": "blocked"},
                {"id": 4, "project_id": 2, "title": "Close books", "status": "todo"},
            ],
        )
        conn.execute(Tag.__table__.insert(), [{"id": 1, "name": "database"}, {"id": 2, "name": "backend"}])
        conn.execute(
            task_tag.insert(),
            [{"task_id": 1, "tag_id": 1}, {"task_id": 1, "tag_id": 2}, {"task_id": 3, "tag_id": 2}],
        )
        conn.execute(
            ProjectMember.__table__.insert(),
            [{"project_id": 1, "user_id": 2, "role": "lead"}, {"project_id": 1, "user_id": 1, "role": "dev"}],
        )
    yield engine
    engine.dispose()


def test_tags_of_task(engine):
    assert run_check("nb03-tags-of-task", ["backend", "database"], engine)[0]
    passed, message = run_check("nb03-tags-of-task", ["database", "backend"], engine)
    assert not passed and "sorted" in message
    assert not run_check("nb03-tags-of-task", ["backend"], engine)[0]
    assert not run_check("nb03-tags-of-task", "backend, database", engine)[0]
    assert not run_check("nb03-tags-of-task", [Tag(name="backend")], engine)[0]
    assert not run_check("nb03-tags-of-task", ..., engine)[0]


def test_open_tasks_per_project(engine):
    right = {"Search relaunch": 1, "Billing": 2, "Empty": 0}
    assert run_check("nb03-open-tasks-per-project", right, engine)[0]
    passed, message = run_check("nb03-open-tasks-per-project", {"Search relaunch": 1, "Billing": 2}, engine)
    assert not passed and "'Empty'" in message
    all_tasks = {"Search relaunch": 2, "Billing": 2, "Empty": 0}
    passed, message = run_check("nb03-open-tasks-per-project", all_tasks, engine)
    assert not passed and "not 'done'" in message
    assert not run_check("nb03-open-tasks-per-project", {**right, "Gone": 3}, engine)[0]
    assert not run_check("nb03-open-tasks-per-project", list(right.items()), engine)[0]


def test_no_n_plus_one(engine):
    def eager(session):
        statement = select(Project).options(selectinload(Project.tasks).selectinload(Task.tags))
        return session.scalars(statement.order_by(Project.id)).all()

    def lazy(session):
        return session.scalars(select(Project).order_by(Project.id)).all()

    def unordered(session):
        return list(reversed(eager(session)))

    assert run_check("nb03-no-n-plus-one", eager, engine)[0]
    passed, message = run_check("nb03-no-n-plus-one", lazy, engine)
    assert not passed and "selectinload" in message
    assert not run_check("nb03-no-n-plus-one", unordered, engine)[0]
    assert not run_check("nb03-no-n-plus-one", lambda session: None, engine)[0]
    assert not run_check("nb03-no-n-plus-one", "eager", engine)[0]


def test_members_by_role(engine):
    assert run_check("nb03-members-by-role", [("ada", "dev"), ("bob", "lead")], engine)[0]
    assert run_check("nb03-members-by-role", [["ada", "dev"], ["bob", "lead"]], engine)[0]
    passed, message = run_check("nb03-members-by-role", [("bob", "lead"), ("ada", "dev")], engine)
    assert not passed and "sort" in message
    assert not run_check("nb03-members-by-role", [("ada", "lead"), ("bob", "dev")], engine)[0]
    assert not run_check("nb03-members-by-role", ["ada", "bob"], engine)[0]
