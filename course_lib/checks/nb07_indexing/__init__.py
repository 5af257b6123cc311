"""Checks for notebooks/07_indexing.ipynb.

Every check works on a scratch database of its own (:func:`check_database`) holding a
``purchase`` table shaped like the notebook's, filled with other rows (50,000 of them, so
that the planner's choices are those of a real table): the learner's index is built
there and the plans PostgreSQL chooses are read, the learner's queries run there and
their rows are compared with the right ones. Nothing is matched as text, and a value
copied from the notebook's outputs cannot pass.
"""

# importing each exercise's module registers its check
from course_lib.checks.nb07_indexing import (
    ex1_one_pending,
    ex2_email_lookup,
    ex3_support_index,
    ex4_email_prefix,
    ex5_keyset_page,
)

__all__ = ["ex1_one_pending", "ex2_email_lookup", "ex3_support_index", "ex4_email_prefix", "ex5_keyset_page"]
