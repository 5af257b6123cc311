"""Seeded faulty versions of 14_capstone's booking package, each with one mistake the checks must name.

Each is a package like the learner's (``migration`` and ``api`` modules), mostly the reference's
parts (course_lib/checks/nb14_capstone/reference/) with one thing wrong; see each ``__init__``.
tests/test_checks_nb14.py passes their names to the checks, as the notebook passes "booking".
"""
