"""Plumbing for the pg-sqlmodel-course notebooks.

It decides which PostgreSQL server the course uses, gives each notebook a fresh
database, keeps outputs deterministic, counts queries and checks exercises.
It never hides the lesson: notebooks write ``create_engine(...)`` and
``select(...)`` themselves.
"""

from course_lib.databases import NotebookDatabase, notebook_database
from course_lib.display import expect_error, setup_sql_magic, show_sql
from course_lib.errors import CourseSetupError
from course_lib.exercises import Hint, check, check_solution
from course_lib.extensions import require_extensions, require_extensions_or_skip
from course_lib.queries import QueryCounter, count_queries
from course_lib.server import CourseServer, current_server

__all__ = [
    "CourseServer",
    "CourseSetupError",
    "Hint",
    "NotebookDatabase",
    "QueryCounter",
    "check",
    "check_solution",
    "count_queries",
    "current_server",
    "expect_error",
    "notebook_database",
    "require_extensions",
    "require_extensions_or_skip",
    "setup_sql_magic",
    "show_sql",
]
