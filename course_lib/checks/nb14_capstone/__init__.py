"""Checks for notebooks/14_capstone.ipynb: the room-booking service the learner builds in a package.

Each check takes the package's name (``"booking"``, the folder next to the notebook), imports it
afresh (so edits to its files count without a kernel restart) and grades its ``migration`` and
``api`` modules on a scratch database of its own: the migration on a database that already holds
rooms (revision 0001), the endpoints through ``TestClient`` with the package's ``get_session``
overridden, with budgets (statements per request, an index for the day query on enough rows), and
two bookings of one slot sent at the same moment. ``reference/`` is the implementation they are
proven against (tests/test_checks_nb14.py, with seeded faulty versions in tests/nb14_faulty/).
"""

# importing each exercise's module registers its check
from course_lib.checks.nb14_capstone import ex1_migration, ex2_endpoints, ex3_concurrency

__all__ = ["ex1_migration", "ex2_endpoints", "ex3_concurrency"]
