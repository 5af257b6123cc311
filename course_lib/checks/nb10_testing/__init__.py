"""Checks for notebooks/10_testing_the_data_layer.ipynb.

Exercise 1 hands the learner's function real errors raised by PostgreSQL. Exercises 2 and 3
grade the learner's *tests* by what they catch: the check writes them into a project of its
own (the notebook's fixtures, and a ``shop.py``), runs pytest on it against the correct
code, where they must pass, and against broken versions of it, each of which they must fail.
"""

# importing each exercise's module registers its check
from course_lib.checks.nb10_testing import (
    ex1_unique_violation,
    ex2_test_without_purchases,
    ex3_test_change_email,
)
from course_lib.checks.nb10_testing.ex2_test_without_purchases import WITHOUT_PURCHASES_BROKEN
from course_lib.checks.nb10_testing.ex3_test_change_email import CHANGE_EMAIL_BROKEN

__all__ = [
    "CHANGE_EMAIL_BROKEN",
    "WITHOUT_PURCHASES_BROKEN",
    "ex1_unique_violation",
    "ex2_test_without_purchases",
    "ex3_test_change_email",
]
