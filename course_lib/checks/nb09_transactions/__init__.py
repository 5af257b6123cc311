"""Checks for notebooks/09_transactions_and_concurrency.ipynb.

Every check runs the learner's function on a scratch database of its own
(:func:`check_database`), with tables shaped like the notebook's (``user``,
``account``, ``counter``) and rows the notebook never showed. The concurrency
checks use real second connections: a concurrent writer that commits between the
learner's read and write (``nb09-retry``; the deadlock it must retry too is raised by the
server with SQLSTATE 40P01 from a ``DO`` block, which the client cannot tell from a real one,
without the 1 s a real deadlock costs), and two threads calling the learner's
function at once while the check holds the row lock until both wait for it
(``nb09-withdraw``), so the race happens every time, not by luck.
"""

# importing each exercise's module registers its check
from course_lib.checks.nb09_transactions import ex1_sign_up, ex2_retry, ex3_withdraw

__all__ = ["ex1_sign_up", "ex2_retry", "ex3_withdraw"]
