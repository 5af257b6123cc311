"""Exercise 2: open tasks per project, without N+1 (``nb03-open-tasks-per-project``)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from course_lib.checks.nb03_relationships.common import _fill, _function, _sql
from course_lib.exercises import Hint, check_database, exercise, learner
from course_lib.queries import count_queries

MAX_COUNT_STATEMENTS = 2


@exercise("nb03-open-tasks-per-project", level=2)
def open_tasks_per_project(answer: Any) -> str:
    function = _function(answer, "open_counts")
    with check_database() as engine:
        _fill(engine)
        expected = dict(
            _sql(
                engine,
                """SELECT project.name, count(task.id) FILTER (WHERE task.status <> 'done')
                   FROM project LEFT JOIN task ON task.project_id = project.id GROUP BY project.name""",
            )
        )
        with Session(engine) as session, count_queries(engine) as sent:
            got = learner(function, session)
    if got is None:
        raise Hint("open_counts returned None: return the dict.")
    if not isinstance(got, dict):
        raise Hint(f"return a dict {{project name: number of open tasks}}, not {type(got).__name__}.")
    missing = sorted(set(expected) - set(got))
    if missing:
        raise Hint(
            f"project {missing[0]!r} is missing: every project belongs in the dict, "
            "a project without open tasks (or without any task) with 0."
        )
    if set(got) != set(expected):
        raise Hint(f"{sorted(set(got) - set(expected))[0]!r} is not a project name.")
    wrong = [name for name in sorted(expected) if got[name] != expected[name]]
    if wrong:
        name = wrong[0]
        raise Hint(
            f"{name!r}: you counted {got[name]!r}, the check {expected[name]}. "
            "Count the tasks whose status is not 'done' (blocked ones are open too)."
        )
    if sent.count > MAX_COUNT_STATEMENTS:
        raise Hint(
            f"right counts, but {sent.count} statements for {len(expected)} projects: each project.tasks "
            "was loaded lazily, one SELECT per project (N+1). Load them with the projects: "
            "selectinload(Project.tasks)."
        )
    return f"{sum(expected.values())} open tasks over {len(expected)} projects, in {sent.count} statement(s)."
