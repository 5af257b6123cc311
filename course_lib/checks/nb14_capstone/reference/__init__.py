"""The reference implementation of notebooks/booking/: what 14_capstone's checks are proven against.

Like the learner's package it has three modules: ``models`` (the tables and data models),
``migration`` (Alembic revision 0002, the booking table) and ``api`` (the FastAPI router).
"""
