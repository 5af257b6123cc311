"""The check of ``nb02-page``."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from course_lib.checks.nb02_crud.common import _course_database, _rows, _scalars
from course_lib.exercises import Hint, exercise, learner

PAGE_PROBES = [(1, 1, 3), (1, 2, 3), (1, 3, 3), (1, 4, 3), (1, 1, 100), (2, 2, 2), (3, 1, 5), (4, 1, 5)]


@exercise("nb02-page", level=2)
def page(answer: Any) -> str:
    with _course_database() as engine:
        for project_id, page_number, size in PAGE_PROBES:
            everything = _scalars(
                engine,
                "SELECT title FROM task WHERE project_id = :p AND deleted_at IS NULL ORDER BY priority, id",
                p=project_id,
            )
            expected = everything[(page_number - 1) * size : page_number * size]
            with Session(engine) as session:
                got = learner(answer, session, project_id, page_number, size)
            if not isinstance(got, list):
                raise Hint(
                    f"return a list of titles (list(session.exec(...).all())), not {type(got).__name__}."
                )
            got = [row[0] if isinstance(row, tuple) and len(row) == 1 else row for row in got]
            if any(not isinstance(title, str) for title in got):
                raise Hint(
                    "each item should be a title (a str): select(Task.title), not select(Task), "
                    f"gives the titles; got {type(next(t for t in got if not isinstance(t, str))).__name__}."
                )
            if got == expected:
                continue
            call = f"live_tasks_page(session, {project_id}, {page_number}, {size})"
            with_deleted = _scalars(
                engine, "SELECT title FROM task WHERE project_id = :p ORDER BY priority, id", p=project_id
            )
            if got and got == everything[page_number * size : (page_number + 1) * size]:
                raise Hint(
                    f"{call}: one page too far. Page 1 starts at offset 0: offset = (page - 1) * size."
                )
            if set(got) - set(everything) and set(got) <= set(with_deleted):
                raise Hint(
                    f"{call} returned a soft-deleted task: leave out the rows whose deleted_at is set "
                    "(col(Task.deleted_at).is_(None))."
                )
            if set(got) - set(with_deleted):
                raise Hint(f"{call} returned tasks of another project: filter on Task.project_id.")
            priority = dict(_rows(engine, "SELECT title, priority FROM task"))
            if sorted(got) == sorted(expected) or [priority.get(t) for t in got] == [
                priority[t] for t in expected
            ]:
                raise Hint(
                    f"{call}: the right priorities, but not the right tasks among equal ones. Several "
                    "tasks share a priority, so order by priority, then id: without the id the order "
                    "of ties is up to PostgreSQL."
                )
            raise Hint(
                f"{call} returned {len(got)} titles, {got!r}; expected {len(expected)}. A page is "
                ".offset((page - 1) * size).limit(size) after the complete order_by."
            )
    return "every page holds the right live tasks in a stable order, and past the end a page is empty."
