"""Checks for notebooks/04_raw_sql.ipynb.

Every check builds a scratch database of its own (:func:`check_database`) with the
notebook's ``user``, ``project`` and ``task`` tables (same columns) and rows the learner
has not seen: a project name with a quote, non-ASCII names, a project without tasks and
one whose tasks are all done, duplicate titles, ties, an inactive user, completions just
before and after midnight UTC at a month's end, a month without any completion. The
learner's function or SQL runs there, and its result is compared with the reference
SQL's on the same rows.
"""

# importing each exercise's module registers its check
from course_lib.checks.nb04_raw_sql import (
    ex1_tasks_in_projects,
    ex2_open_task_counts,
    ex3_upsert_user,
    ex4_monthly_done,
)

__all__ = ["ex1_tasks_in_projects", "ex2_open_task_counts", "ex3_upsert_user", "ex4_monthly_done"]
