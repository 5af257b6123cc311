"""Exercise 2: open tasks per project, with LEFT JOIN, GROUP BY and HAVING (``nb04-open-task-counts``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from course_lib.checks.nb04_raw_sql.common import PROJECTS, _course_database
from course_lib.exercises import (
    Hint,
    exercise,
    learner_rows,
)

OPEN_TASK_COUNTS_SQL = """
SELECT p.name, count(t.id) AS open_tasks
FROM project p LEFT JOIN task t ON t.project_id = p.id AND t.status <> 'done'
GROUP BY p.id, p.name
HAVING count(t.id) >= :min_open
ORDER BY open_tasks DESC, p.name
"""


def _as_name_counts(found: list[tuple]) -> list[tuple[str, int]]:
    if any(len(row) != 2 for row in found):
        raise Hint("each row should have two columns: the project's name and its number of open tasks.")
    try:
        return [(name, int(count)) for name, count in found]
    except (TypeError, ValueError):
        raise Hint("the second column should be the count of open tasks, a number.") from None


@exercise("nb04-open-task-counts", level=2)
def open_task_counts(answer: Any) -> str:
    if not isinstance(answer, str):
        raise Hint("answer_2 should be the SQL, as a string (with :min_open where the minimum goes).")
    with _course_database() as engine:

        def both(min_open: int) -> tuple[list, list]:
            expected = learner_rows_reference(engine, OPEN_TASK_COUNTS_SQL, min_open=min_open)
            got = _as_name_counts(learner_rows(engine, answer, min_open=min_open))
            return expected, got

        expected, got = both(0)
        counts = dict(got)
        unknown = [name for name in counts if name not in PROJECTS]
        if unknown:
            raise Hint(
                f"{unknown[0]!r} is not a project here: the check runs your SQL on its own projects "
                "(not the notebook's), so the answer must be computed from the tables."
            )
        if sorted(got) == sorted(expected) and got != expected:
            raise Hint("the right rows, not in order: most open tasks first, then by name.")
        if counts.get("Empty shelf") == 1:
            raise Hint(
                "a project with no task at all shows 1 open task: count(*) counts the row the LEFT JOIN "
                "made up for it (all NULLs). What could you count that is NULL in that row?"
            )
        if "Empty shelf" not in counts and "All done" not in counts:
            raise Hint(
                "with :min_open = 0 every project should be listed, but the projects without open tasks "
                "are missing: a plain JOIN drops them, and a condition on the tasks in WHERE throws away "
                "the rows a LEFT JOIN made up for them."
            )
        if "All done" not in counts:
            raise Hint(
                "a project whose tasks are all done is missing: a status condition in WHERE removes all "
                "its rows before grouping. Where else can a join take a condition?"
            )
        if counts.get("Ops", 0) > dict(expected)["Ops"]:
            raise Hint("done tasks are counted too: only tasks whose status is not 'done' are open.")
        if got != expected:
            raise Hint(f"with :min_open = 0, on the check's own projects, expected {expected}, got {got}.")
        for min_open in (1, 3, 4):
            expected, got = both(min_open)
            if got != expected:
                raise Hint(
                    f"with :min_open = {min_open} you returned {len(got)} projects, not {len(expected)}: "
                    "the minimum filters the groups after counting (not the rows before), and it comes "
                    "from the bound :min_open, not a number in the SQL."
                )
    return "LEFT JOIN with the condition in ON, count(t.id), HAVING with a bound minimum."


def learner_rows_reference(engine: Engine, sql: str, **params: Any) -> list[tuple]:
    """The reference query's rows (the check's own SQL: any error in it is the check's)."""
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql), params)]
