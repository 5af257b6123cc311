"""Checks for notebooks/08_migrations.ipynb.

Every answer is a revision's ``(upgrade, downgrade)`` pair of functions written with
Alembic's ``op``. A check runs them the way Alembic runs a revision (one transaction,
``op`` bound to it, through :class:`alembic.operations.Operations`) on a scratch database
of its own (:func:`check_database`), whose tables are shaped like the notebook's at head
(``author``, ``book``, the ``bookformat`` enum) plus what the exercise needs, and filled
with books the notebook never showed. It then probes the result: the catalog (types,
NOT NULL, ``pg_get_expr`` of the default, the enum's labels), every row, a plain-SQL
``INSERT``, then ``downgrade()`` (every row as it was) and ``upgrade()`` again.
"""

# importing each exercise's module registers its check
from course_lib.checks.nb08_migrations import ex1_book_language, ex2_cents_to_euros, ex3_rename_format

__all__ = ["ex1_book_language", "ex2_cents_to_euros", "ex3_rename_format"]
