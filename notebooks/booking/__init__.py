"""The room-booking service of 14_capstone: you write it, in this folder.

- ``models.py``: the tables and the request/response models;
- ``migration.py``: Alembic revision 0002, which adds the booking table;
- ``api.py``: the FastAPI endpoints.

The notebook's checks import this package afresh each time they run: save a file, run the check.
"""
