"""The check of ``nb02-search``."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from course_lib.checks.nb02_crud.common import _course_database, _scalars
from course_lib.exercises import Hint, exercise, learner

SEARCHES = ["_id", "100%", "postgresql", "café", "read/write", "a/b"]


@exercise("nb02-search", level=2)
def search(answer: Any) -> str:
    with _course_database() as engine:
        for q in SEARCHES:
            expected = _scalars(
                engine,
                "SELECT id FROM task WHERE deleted_at IS NULL AND (strpos(lower(title), lower(:q)) > 0 "
                "OR strpos(lower(coalesce(description, '')), lower(:q)) > 0) ORDER BY id",
                q=q,
            )
            with Session(engine) as session:
                got = learner(answer, session, q)
            if not isinstance(got, list):
                raise Hint(f"return a list of task ids, not {type(got).__name__}.")
            got = [row[0] if isinstance(row, tuple) and len(row) == 1 else row for row in got]
            if any(isinstance(task_id, bool) or not isinstance(task_id, int) for task_id in got):
                raise Hint("each item should be a task id (an int): select(Task.id), not select(Task).")
            if got == expected:
                continue
            call = f"search_tasks(session, {q!r})"
            if sorted(got, key=repr) == sorted(expected, key=repr):
                raise Hint(f"{call}: the right ids in another order: order_by(Task.id).")
            found_anywhere = set(
                _scalars(
                    engine,
                    "SELECT id FROM task WHERE strpos(lower(title), lower(:q)) > 0 "
                    "OR strpos(lower(coalesce(description, '')), lower(:q)) > 0",
                    q=q,
                )
            )
            extra = set(got) - set(expected)
            if extra and extra <= found_anywhere:
                raise Hint(
                    f"{call} found soft-deleted tasks ({sorted(extra)}): keep deleted_at IS NULL only."
                )
            if extra:
                raise Hint(
                    f"{call} found {sorted(extra)}, which do not contain {q!r}: in LIKE, % and _ are "
                    "wildcards. icontains(q, autoescape=True) makes them match only themselves."
                )
            missing = set(expected) - set(got)
            in_description = set(
                _scalars(
                    engine,
                    "SELECT id FROM task WHERE strpos(lower(title), lower(:q)) = 0 "
                    "AND strpos(lower(coalesce(description, '')), lower(:q)) > 0",
                    q=q,
                )
            )
            if missing and missing <= in_description:
                raise Hint(
                    f"{call} missed {sorted(missing)}, whose description contains {q!r}: search the "
                    "title or the description (or_(...)); a NULL description simply does not match."
                )
            raise Hint(
                f"{call} missed {sorted(missing)}: compare case-insensitively (icontains), with "
                "autoescape=True so that / % _ in q are plain characters."
            )
    return "title or description, any case, % _ / taken literally, live tasks only."
