"""Checks for notebooks/02_crud.ipynb.

The expected answers come from raw SQL on the notebook's database, independent of
the learner's models.  A check that calls a learner's function which writes runs
it inside a transaction that is rolled back afterwards, so the notebook's data
stays as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from course_lib.exercises import Hint, exercise

PAGE_PROJECT = "Platform reliability"
SEARCHES = ["20%", "_", "POSTGRESQL", "tls", "user_id"]
PATCH_TASK_ID = 10


def _scalars(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params).scalars())


@contextmanager
def _rolled_back_session(engine: Engine) -> Iterator[Session]:
    """A session whose commits only release savepoints of an outer transaction we roll back."""
    with engine.connect() as conn:
        outer = conn.begin()
        session = Session(bind=conn, join_transaction_mode="create_savepoint")
        try:
            yield session
        finally:
            session.close()
            outer.rollback()


def _callable(answer: Any, name: str) -> None:
    if not callable(answer):
        raise Hint(f"the answer should be the function itself (answer = {name}), not its result.")


@exercise("nb02-page")
def page(answer: Any, engine: Engine) -> str:
    _callable(answer, "tasks_page")
    ordered = _scalars(
        engine,
        "SELECT task.title FROM task JOIN project ON project.id = task.project_id "
        "WHERE project.name = :name ORDER BY task.priority, task.id",
        name=PAGE_PROJECT,
    )
    with Session(engine) as session:
        for page_number, size in [(1, 5), (2, 5), (3, 4), (1, 100)]:
            expected = ordered[(page_number - 1) * size : page_number * size]
            got = list(answer(session, page_number, size))
            if got == expected:
                continue
            if got and got == ordered[page_number * size : (page_number + 1) * size]:
                raise Hint("one page too far: page 1 starts at offset 0, so offset = (page - 1) * size.")
            if sorted(got) == sorted(expected):
                raise Hint("the right titles in another order: order_by(Task.priority, Task.id).")
            if len(got) != len(expected):
                raise Hint(
                    f"page {page_number} of size {size} should hold {len(expected)} titles, not {len(got)}."
                )
            raise Hint(
                f"page {page_number} (size {size}) differs: tasks of {PAGE_PROJECT!r}, by priority then id."
            )
    return f"{len(ordered)} tasks of {PAGE_PROJECT!r}, page by page."


@exercise("nb02-search")
def search(answer: Any, engine: Engine) -> str:
    _callable(answer, "search_titles")
    with Session(engine) as session:
        for q in SEARCHES:
            expected = sorted(
                _scalars(engine, "SELECT title FROM task WHERE strpos(lower(title), lower(:q)) > 0", q=q)
            )
            got = list(answer(session, q))
            if got == expected:
                continue
            if sorted(got) == expected:
                raise Hint("the right titles, but sort them: order_by(Task.title).")
            if len(got) > len(expected):
                raise Hint(
                    f"searching {q!r} found {len(got)} titles, not {len(expected)}: "
                    "% and _ are LIKE wildcards; use autoescape=True."
                )
            raise Hint(
                f"searching {q!r} found {len(got)} titles, not {len(expected)}: ignore the case (icontains)."
            )
    return "case-insensitive, and % and _ match only themselves."


@exercise("nb02-patch")
def patch(answer: Any, update_model: Any, engine: Engine) -> str:
    _callable(answer, "patch_task")
    columns = "title, description, status, priority, due_date"
    with _rolled_back_session(engine) as session:
        before = session.execute(
            text(f"SELECT {columns} FROM task WHERE id = :id"), {"id": PATCH_TASK_ID}
        ).one()
        answer(session, PATCH_TASK_ID, update_model.model_validate({"priority": 4}))
        after = session.execute(
            text(f"SELECT {columns} FROM task WHERE id = :id"), {"id": PATCH_TASK_ID}
        ).one()
        if after.priority != 4:
            raise Hint("the priority was not changed: copy the set fields onto the task and commit.")
        if after.title != before.title or after.status != before.status or after.due_date != before.due_date:
            raise Hint("fields the patch did not set changed too: model_dump(exclude_unset=True).")
        answer(
            session, PATCH_TASK_ID, update_model.model_validate({"description": None, "status": "blocked"})
        )
        cleared = session.execute(
            text(f"SELECT {columns} FROM task WHERE id = :id"), {"id": PATCH_TASK_ID}
        ).one()
        if cleared.description is not None:
            raise Hint(
                "an explicit None should clear the field: exclude_unset keeps it, exclude_none would not."
            )
        if cleared.status != "blocked" or cleared.priority != 4:
            raise Hint("the second patch should set status and keep the priority of the first.")
    return "only the fields the patch set were changed."


@exercise("nb02-async-count")
def async_count(answer: Any, engine: Engine) -> str:
    with engine.connect() as conn:
        expected = dict(
            conn.execute(
                text("SELECT status, count(*) FROM task WHERE deleted_at IS NULL GROUP BY status")
            ).all()
        )
        everything = dict(conn.execute(text("SELECT status, count(*) FROM task GROUP BY status")).all())
    if not isinstance(answer, dict):
        raise Hint("answer_4 should be a dict {status: count}: dict(result.all()).")
    if answer == everything and answer != expected:
        raise Hint("soft-deleted tasks were counted: where(col(Task.deleted_at).is_(None)).")
    if set(answer) != set(expected):
        raise Hint(f"the statuses are {sorted(expected)}: group_by(Task.status).")
    if answer != expected:
        raise Hint("the counts differ: count the live tasks of each status.")
    return f"{sum(expected.values())} live tasks in {len(expected)} statuses."
