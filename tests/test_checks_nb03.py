"""The exercise checks of notebooks/03_relationships.ipynb: the reference passes, wrong answers get hints.

The checks build their own scratch databases with the notebook's tables; the answers here use
models like the notebook's, on a registry of their own (so they never clash with another test
module's SQLModel tables in the same process).
"""

import types
from datetime import UTC, datetime

import pytest
from helpers import assert_hint, assert_learner_error, assert_not_answered, assert_passes
from sqlalchemy import func
from sqlalchemy.orm import registry, selectinload
from sqlmodel import Field, Relationship, SQLModel, select


@pytest.fixture(autouse=True)
def _server(embedded):
    """Every check here creates a scratch database on the course's embedded server."""


class Base(SQLModel, registry=registry()):
    pass


class TaskTagLink(Base, table=True):
    task_id: int | None = Field(default=None, foreign_key="task.id", primary_key=True, ondelete="CASCADE")
    tag_id: int | None = Field(default=None, foreign_key="tag.id", primary_key=True, ondelete="CASCADE")


class Project(Base, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    tasks: list["Task"] = Relationship(back_populates="project")


class Task(Base, table=True):
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    title: str
    status: str = "todo"
    project: Project = Relationship(back_populates="tasks")
    tags: list["Tag"] = Relationship(back_populates="tasks", link_model=TaskTagLink)


class Tag(Base, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    tasks: list[Task] = Relationship(back_populates="tags", link_model=TaskTagLink)


def tag_named(session, name):
    return session.exec(select(Tag).where(Tag.name == name)).one()


# --- nb03-open-task-titles --------------------------------------------------------------------


def open_task_titles(session, tag_name):
    return sorted(task.title for task in tag_named(session, tag_name).tasks if task.status != "done")


def test_open_task_titles_reference_passes():
    assert_passes("nb03-open-task-titles", open_task_titles)


def test_open_task_titles_hard_coded_fails():
    # The reference's answer on the notebook's data for one tag, typed in.
    assert_hint(
        "nb03-open-task-titles",
        lambda session, tag_name: ["Add a search endpoint", "Cut p95 latency by 20%"],
        contains="the check expected",
    )


def test_open_task_titles_wrong_answers_get_their_hint():
    def with_done(session, tag_name):
        return sorted(task.title for task in tag_named(session, tag_name).tasks)

    def as_set(session, tag_name):
        return sorted({task.title for task in tag_named(session, tag_name).tasks if task.status != "done"})

    def unsorted(session, tag_name):
        return sorted(
            (t.title for t in tag_named(session, tag_name).tasks if t.status != "done"), reverse=True
        )

    def objects(session, tag_name):
        return [task for task in tag_named(session, tag_name).tasks if task.status != "done"]

    assert_hint("nb03-open-task-titles", with_done, contains="status is not 'done'")
    assert_hint("nb03-open-task-titles", as_set, contains="same title")
    assert_hint("nb03-open-task-titles", unsorted, contains="sorted(...)")
    assert_hint("nb03-open-task-titles", objects, contains="not Task objects")
    assert_hint("nb03-open-task-titles", lambda session, tag_name: None, contains="returned None")
    assert_hint("nb03-open-task-titles", lambda session, tag_name: "Write docs", contains="return a list")
    assert_hint("nb03-open-task-titles", ["Write docs"], contains="pass the function itself")
    assert_learner_error(
        "nb03-open-task-titles", lambda session, tag_name: 1 / 0, contains="ZeroDivisionError"
    )
    assert_not_answered("nb03-open-task-titles", ...)


# --- nb03-open-tasks-per-project --------------------------------------------------------------


def open_counts(session):
    projects = session.exec(select(Project).options(selectinload(Project.tasks))).all()
    return {project.name: sum(task.status != "done" for task in project.tasks) for project in projects}


def test_open_tasks_per_project_reference_passes():
    assert_passes("nb03-open-tasks-per-project", open_counts)


def test_open_tasks_per_project_one_grouped_query_passes():
    def grouped(session):
        open_tasks = func.count(Task.id).filter(Task.status != "done")
        statement = select(Project.name, open_tasks).outerjoin(Task).group_by(Project.name)
        return dict(session.exec(statement).all())

    assert_passes("nb03-open-tasks-per-project", grouped)


def test_open_tasks_per_project_hard_coded_fails():
    copied = {"Search relaunch": 17, "Checkout revamp": 12}
    assert_hint("nb03-open-tasks-per-project", lambda session: copied, contains="is missing")


def test_open_tasks_per_project_wrong_answers_get_their_hint():
    def lazy(session):
        projects = session.exec(select(Project)).all()
        return {project.name: sum(task.status != "done" for task in project.tasks) for project in projects}

    def inner_join(session):
        statement = select(Project.name, func.count(Task.id)).join(Task).where(Task.status != "done")
        return dict(session.exec(statement.group_by(Project.name)).all())

    def counting_done(session):
        projects = session.exec(select(Project).options(selectinload(Project.tasks))).all()
        return {project.name: len(project.tasks) for project in projects}

    def todo_only(session):
        projects = session.exec(select(Project).options(selectinload(Project.tasks))).all()
        return {project.name: sum(task.status == "todo" for task in project.tasks) for project in projects}

    assert_hint("nb03-open-tasks-per-project", lazy, contains=("N+1", "selectinload"))
    assert_hint("nb03-open-tasks-per-project", inner_join, contains=("is missing", "with 0"))
    assert_hint("nb03-open-tasks-per-project", counting_done, contains="not 'done'")
    assert_hint("nb03-open-tasks-per-project", todo_only, contains="blocked ones are open too")
    assert_hint("nb03-open-tasks-per-project", lambda session: [], contains="return a dict")
    assert_hint("nb03-open-tasks-per-project", lambda session: None, contains="returned None")


# --- nb03-watchers ----------------------------------------------------------------------------


def watcher_model(task_fk=None, user_fk=None, since=None, primary_key=True):
    """A TaskWatcher link model on a registry of its own; the reference unless told otherwise."""

    class WatchBase(SQLModel, registry=registry()):
        pass

    namespace = {
        "__tablename__": "taskwatcher",
        "__annotations__": {"task_id": int | None, "user_id": int | None, "since": datetime},
        "task_id": task_fk
        or Field(default=None, foreign_key="task.id", primary_key=primary_key, ondelete="CASCADE"),
        "user_id": user_fk
        or Field(default=None, foreign_key="user.id", primary_key=primary_key, ondelete="CASCADE"),
        "since": since
        or Field(default_factory=lambda: datetime.now(UTC), sa_column_kwargs={"server_default": func.now()}),
    }
    if not primary_key:
        namespace["__annotations__"]["id"] = int | None
        namespace["id"] = Field(default=None, primary_key=True)
    return types.new_class("TaskWatcher", (WatchBase,), {"table": True}, lambda body: body.update(namespace))


def test_watchers_reference_passes():
    assert_passes("nb03-watchers", watcher_model())


def test_watchers_without_database_cascade():
    no_cascade = Field(default=None, foreign_key="task.id", primary_key=True)
    assert_hint("nb03-watchers", watcher_model(task_fk=no_cascade), contains='ondelete="CASCADE" on task_id')
    no_cascade = Field(default=None, foreign_key="user.id", primary_key=True)
    assert_hint("nb03-watchers", watcher_model(user_fk=no_cascade), contains='ondelete="CASCADE" on user_id')


def test_watchers_pair_must_be_unique():
    # With an id of its own as the key, the same (task, user) pair can be inserted twice.
    assert_hint("nb03-watchers", watcher_model(primary_key=False), contains=("twice", "primary key"))


def test_watchers_since_filled_by_postgresql():
    python_only = Field(default_factory=lambda: datetime.now(UTC))
    assert_hint("nb03-watchers", watcher_model(since=python_only), contains="PostgreSQL should fill it")


def test_watchers_shape():
    assert_hint("nb03-watchers", "taskwatcher", contains="link model class itself")

    class OtherBase(SQLModel, registry=registry()):
        pass

    class Watch(OtherBase, table=True):
        task_id: int | None = Field(default=None, foreign_key="task.id", primary_key=True)
        member_id: int | None = Field(default=None, primary_key=True)

    assert_hint("nb03-watchers", Watch, contains="no column 'user_id'")


# --- nb03-merge-tags --------------------------------------------------------------------------


def merge_tags(session, keep, drop):
    keep_tag, drop_tag = tag_named(session, keep), tag_named(session, drop)
    added = 0
    for task in list(drop_tag.tasks):
        if keep_tag not in task.tags:
            task.tags.append(keep_tag)
            added += 1
    session.delete(drop_tag)
    return added


def test_merge_tags_reference_passes():
    assert_passes("nb03-merge-tags", merge_tags)


def test_merge_tags_hard_coded_fails():
    def copied(session, keep, drop):
        merge_tags(session, keep, drop)
        return 3  # a count read off the notebook's data

    assert_hint("nb03-merge-tags", copied, contains="does not count")


def test_merge_tags_wrong_answers_get_their_hint():
    def naive(session, keep, drop):
        keep_tag, drop_tag = tag_named(session, keep), tag_named(session, drop)
        tasks = list(drop_tag.tasks)
        for task in tasks:
            task.tags.append(keep_tag)
        session.delete(drop_tag)
        return len(tasks)

    def keeps_drop(session, keep, drop):
        keep_tag, drop_tag = tag_named(session, keep), tag_named(session, drop)
        added = 0
        for task in list(drop_tag.tasks):
            if keep_tag not in task.tags:
                task.tags.append(keep_tag)
                added += 1
        return added

    def delete_only(session, keep, drop):
        session.delete(tag_named(session, drop))
        return 0

    def counts_all(session, keep, drop):
        merge_tags(session, keep, drop)
        return 2

    assert_hint("nb03-merge-tags", naive, contains=("primary key", "in task.tags"))
    assert_hint("nb03-merge-tags", keeps_drop, contains="still exists")
    assert_hint("nb03-merge-tags", delete_only, contains="is not tagged")
    assert_hint("nb03-merge-tags", counts_all, contains="does not count")
    assert_hint("nb03-merge-tags", lambda session, keep, drop: None, contains="returned None")
