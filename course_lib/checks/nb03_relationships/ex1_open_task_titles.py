"""Exercise 1: walking tag.tasks (``nb03-open-task-titles``)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from course_lib.checks.nb03_relationships.common import _fill, _function, _sql
from course_lib.exercises import Hint, check_database, exercise, learner


@exercise("nb03-open-task-titles", level=1)
def open_task_titles(answer: Any) -> str:
    function = _function(answer, "open_task_titles")
    with check_database() as engine:
        _fill(engine)
        for tag_name in ("docs", "urgent", "unused", "café"):
            expected = sorted(
                title
                for (title,) in _sql(
                    engine,
                    """SELECT task.title FROM task JOIN tasktaglink l ON l.task_id = task.id
                       JOIN tag ON tag.id = l.tag_id WHERE tag.name = :tag AND task.status <> 'done'""",
                    tag=tag_name,
                )
            )
            with Session(engine) as session:
                got = learner(function, session, tag_name)
            if got is None:
                raise Hint("open_task_titles returned None: return the list of titles.")
            if not isinstance(got, list):
                raise Hint(f"return a list of titles, not {type(got).__name__}.")
            if any(not isinstance(title, str) for title in got):
                raise Hint("put the titles in the list (task.title), not Task objects.")
            everything = [
                title
                for (title,) in _sql(
                    engine,
                    """SELECT task.title FROM task JOIN tasktaglink l ON l.task_id = task.id
                       JOIN tag ON tag.id = l.tag_id WHERE tag.name = :tag""",
                    tag=tag_name,
                )
            ]
            if got == expected:
                continue
            if sorted(got) == sorted(everything) and sorted(got) != expected:
                raise Hint(
                    f"tag {tag_name!r}: done tasks are in your list; keep those whose status is not 'done'."
                )
            if sorted(set(got)) == sorted(set(expected)) and len(got) < len(expected):
                raise Hint(
                    f"tag {tag_name!r}: two different tasks can have the same title, and both belong in the "
                    "list: do not collapse them (no set)."
                )
            if sorted(got) == expected:
                raise Hint(f"tag {tag_name!r}: the right titles, not sorted: sorted(...).")
            raise Hint(
                f"tag {tag_name!r}: you returned {len(got)} titles, the check expected {len(expected)}. "
                "Find the tag by name, then walk tag.tasks."
            )
    return "tag.tasks walked the link table from the other side; same titles kept, done ones left out."
