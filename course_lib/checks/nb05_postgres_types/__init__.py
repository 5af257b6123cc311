"""Checks for notebooks/05_postgres_types.ipynb.

Queries run on a scratch database of the check's own (``check_database()``), filled with rows
the notebook never showed, and are compared with the reference query's result on the same rows.
Models are created there and probed: rows inserted with plain SQL, the catalog read.
"""

# importing each exercise's module registers its check
from course_lib.checks.nb05_postgres_types import (
    ex1_tags_none,
    ex2_payment_kinds,
    ex3_public_code,
    ex4_local_day,
)

__all__ = ["ex1_tags_none", "ex2_payment_kinds", "ex3_public_code", "ex4_local_day"]
