"""Checks for notebooks/03_relationships.ipynb.

Each check runs the learner's function (or creates the learner's model) in a scratch database
of its own (``check_database()``), built with the notebook's table and column names but filled
with other rows: a project without tasks, one whose tasks are all done, two tasks with the same
title, a tag nobody uses, non-ASCII names. The learner's functions receive a ``Session`` on that
database and use the notebook's own models, which map onto the same tables.
"""

# importing each exercise's module registers its check
from course_lib.checks.nb03_relationships import (
    ex1_open_task_titles,
    ex2_open_tasks_per_project,
    ex3_watchers,
    ex4_merge_tags,
)

__all__ = ["ex1_open_task_titles", "ex2_open_tasks_per_project", "ex3_watchers", "ex4_merge_tags"]
