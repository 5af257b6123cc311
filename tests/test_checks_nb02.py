"""The exercise checks of notebooks/02_crud.ipynb: the reference passes, each wrong answer gets its hint.

The checks build their own scratch databases; the models here are this module's own
(a registry of their own), shaped like the notebook's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert, or_
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel, col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from course_lib.exercises import Status, run_check


class Base(SQLModel, registry=registry()):
    """Models of this test module's own (not SQLModel.metadata)."""


class User(Base, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str
    username: str
    full_name: str
    is_active: bool = True
    hashed_password: str
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


class Project(Base, table=True):
    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="user.id")
    name: str
    description: str | None = None
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


class Task(Base, table=True):
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    assignee_id: int | None = Field(default=None, foreign_key="user.id")
    title: str
    description: str | None = None
    status: str = "todo"
    priority: int = Field(default=2, ge=1, le=4)
    due_date: date | None = None
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    completed_at: datetime | None = None
    deleted_at: datetime | None = None


@pytest.fixture(autouse=True)
def _server(embedded):
    """Every check here creates a scratch database on the course's embedded server."""


def hint(result) -> str:
    assert result.status is Status.NOT_YET, result
    return result.message


LIVE = col(Task.deleted_at).is_(None)


# --- nb02-page --------------------------------------------------------------------------------


def page_function(live=True, order=(Task.priority, Task.id), offset=lambda page, size: (page - 1) * size):
    def live_tasks_page(session, project_id, page, size):
        statement = select(Task.title).where(Task.project_id == project_id)
        if live:
            statement = statement.where(LIVE)
        statement = statement.order_by(*order).offset(offset(page, size)).limit(size)
        return list(session.exec(statement).all())

    return live_tasks_page


def test_page_reference_passes():
    assert run_check("nb02-page", page_function()).passed


def test_page_one_page_too_far():
    assert "one page too far" in hint(run_check("nb02-page", page_function(offset=lambda p, s: p * s)))


def test_page_without_the_id_tie_breaker():
    assert "then id" in hint(run_check("nb02-page", page_function(order=(Task.priority,))))


def test_page_with_soft_deleted_tasks():
    assert "soft-deleted" in hint(run_check("nb02-page", page_function(live=False)))


def test_page_of_all_projects():
    def live_tasks_page(session, project_id, page, size):
        statement = select(Task.title).where(LIVE).order_by(Task.priority, Task.id)
        return list(session.exec(statement.offset((page - 1) * size).limit(size)).all())

    assert "another project" in hint(run_check("nb02-page", live_tasks_page))


def test_page_of_task_objects():
    def live_tasks_page(session, project_id, page, size):
        statement = select(Task).where(Task.project_id == project_id, LIVE).order_by(Task.priority, Task.id)
        return list(session.exec(statement.offset((page - 1) * size).limit(size)).all())

    assert "select(Task.title)" in hint(run_check("nb02-page", live_tasks_page))


def test_page_hard_coded_titles_fail():
    def live_tasks_page(session, project_id, page, size):
        return ["Read/write split", "Raise the PostgreSQL work_mem", "Audit user_id columns"]

    assert not run_check("nb02-page", live_tasks_page).passed


# --- nb02-search ------------------------------------------------------------------------------


def search_function(condition, live=True, ordered=True):
    def search_tasks(session, q):
        statement = select(Task.id).where(condition(q))
        if live:
            statement = statement.where(LIVE)
        if ordered:
            statement = statement.order_by(Task.id)
        return list(session.exec(statement).all())

    return search_tasks


def both(q, **options):
    return or_(col(Task.title).icontains(q, **options), col(Task.description).icontains(q, **options))


def test_search_reference_passes():
    assert run_check("nb02-search", search_function(lambda q: both(q, autoescape=True))).passed


def test_search_with_wildcards():
    assert "autoescape=True" in hint(run_check("nb02-search", search_function(lambda q: both(q))))


def test_search_title_only():
    right_in_title = search_function(lambda q: col(Task.title).icontains(q, autoescape=True))
    assert "description" in hint(run_check("nb02-search", right_in_title))


def test_search_case_sensitive():
    def case_sensitive(q):
        return or_(
            col(Task.title).contains(q, autoescape=True), col(Task.description).contains(q, autoescape=True)
        )

    assert "case-insensitively" in hint(run_check("nb02-search", search_function(case_sensitive)))


def test_search_with_soft_deleted_tasks():
    message = hint(run_check("nb02-search", search_function(lambda q: both(q, autoescape=True), live=False)))
    assert "soft-deleted" in message


def test_search_unordered():
    def search_tasks(session, q):
        statement = select(Task.id).where(LIVE, both(q, autoescape=True)).order_by(Task.id.desc())
        return list(session.exec(statement).all())

    assert "order_by(Task.id)" in hint(run_check("nb02-search", search_tasks))


def test_search_hard_coded_ids_fail():
    assert not run_check("nb02-search", lambda session, q: [1, 8]).passed


# --- nb02-bulk-load ---------------------------------------------------------------------------


def load_tasks_solution(session, rows):
    complete = [Task.model_validate(row).model_dump(exclude={"id"}) for row in rows]
    session.execute(insert(Task).execution_options(render_nulls=True), complete)
    session.commit()
    return len(complete)


def test_bulk_load_reference_passes():
    assert run_check("nb02-bulk-load", load_tasks_solution).passed


def test_bulk_load_with_add_all_passes_if_it_is_one_call():
    def load_tasks(session, rows):
        session.add_all([Task.model_validate(row) for row in rows])
        session.commit()
        return len(rows)

    assert run_check("nb02-bulk-load", load_tasks).passed


def test_bulk_load_rows_as_given_take_several_calls():
    def load_tasks(session, rows):
        session.execute(insert(Task).execution_options(render_nulls=True), rows)
        session.commit()
        return len(rows)

    assert "INSERT cursor calls, not one" in hint(run_check("nb02-bulk-load", load_tasks))


def test_bulk_load_missing_keys_as_none():
    def load_tasks(session, rows):
        keys = {key for row in rows for key in row}
        complete = [{key: row.get(key) for key in keys} for row in rows]
        session.execute(insert(Task).execution_options(render_nulls=True), complete)
        session.commit()
        return len(rows)

    assert "missing from a row is not the same as None" in hint(run_check("nb02-bulk-load", load_tasks))


def test_bulk_load_id_sent_as_null():
    def load_tasks(session, rows):
        complete = [Task.model_validate(row).model_dump() for row in rows]
        session.execute(insert(Task).execution_options(render_nulls=True), complete)
        session.commit()
        return len(rows)

    assert "id was sent as NULL" in hint(run_check("nb02-bulk-load", load_tasks))


def test_bulk_load_without_commit():
    def load_tasks(session, rows):
        complete = [Task.model_validate(row).model_dump(exclude={"id"}) for row in rows]
        session.execute(insert(Task).execution_options(render_nulls=True), complete)
        return len(rows)

    assert "commit" in hint(run_check("nb02-bulk-load", load_tasks))


def test_bulk_load_wrong_count_returned():
    def load_tasks(session, rows):
        load_tasks_solution(session, rows)
        return 300

    assert "how many rows it inserted" in hint(run_check("nb02-bulk-load", load_tasks))


# --- nb02-async-count -------------------------------------------------------------------------


def count_function(live=True, project=True):
    async def live_task_count(session: AsyncSession, project_id: int) -> int:
        statement = select(func.count()).select_from(Task)
        if project:
            statement = statement.where(Task.project_id == project_id)
        if live:
            statement = statement.where(LIVE)
        return (await session.exec(statement)).one()

    return live_task_count


def test_async_count_reference_passes():
    assert run_check("nb02-async-count", count_function()).passed


def test_async_count_with_soft_deleted_tasks():
    assert "soft-deleted" in hint(run_check("nb02-async-count", count_function(live=False)))


def test_async_count_of_every_project():
    assert "count its tasks only" in hint(run_check("nb02-async-count", count_function(project=False)))


def test_async_count_without_await():
    def live_task_count(session, project_id):
        return session.exec(select(func.count()).select_from(Task)).one()

    assert "await session.exec" in hint(run_check("nb02-async-count", live_task_count))


def test_async_count_returns_a_result_not_a_number():
    async def live_task_count(session, project_id):
        return await session.exec(select(func.count()).select_from(Task).where(Task.project_id == project_id))

    assert "return the number itself" in hint(run_check("nb02-async-count", live_task_count))


def test_async_count_hard_coded_fails():
    async def live_task_count(session, project_id):
        return 7

    assert not run_check("nb02-async-count", live_task_count).passed
    assert "not the async function" not in run_check("nb02-async-count", live_task_count).message
    assert "async function itself" in hint(run_check("nb02-async-count", 7))
