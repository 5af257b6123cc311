"""Checks for notebooks/02_crud.ipynb.

Every check builds a scratch database of its own (:func:`check_database`) with
the notebook's three tables (``user``, ``project``, ``task``, same columns) and
rows the learner has not seen: ties in priority, rows stored out of id order,
soft-deleted tasks, NULL descriptions, ``%``, ``_`` and ``/`` in titles,
non-ASCII text, empty pages and empty projects. The learner's function runs
against it through the learner's own models, and its result is compared with the
answer of plain SQL on the same rows.
"""

# importing each exercise's module registers its check
from course_lib.checks.nb02_crud import ex1_page, ex2_search, ex3_bulk_load, ex4_async_count

__all__ = ["ex1_page", "ex2_search", "ex3_bulk_load", "ex4_async_count"]
