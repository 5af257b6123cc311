"""Checks for notebooks/01_models.ipynb.

Models, fields and constraints are graded by what PostgreSQL does with them: each check
creates the learner's table in a scratch database of its own (``check_database()``),
reads the catalog and inserts rows with raw SQL, never by reading the DDL text.
"""

# importing each exercise's module registers its check
from course_lib.checks.nb01_models import (
    ex1_task_create,
    ex2_active_usernames,
    ex3_server_default,
    ex4_ticket_rules,
)

__all__ = ["ex1_task_create", "ex2_active_usernames", "ex3_server_default", "ex4_ticket_rules"]
