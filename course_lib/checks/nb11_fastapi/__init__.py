"""Checks for notebooks/11_fastapi.ipynb.

Every answer is an ``APIRouter`` holding the learner's route, and the notebook's
``get_session`` dependency. A check mounts the router on a FastAPI app of its own, points
``get_session`` at a scratch database (:func:`check_database`, through
``app.dependency_overrides``, as the notebook does for its tests), fills it with users and
tasks the notebook never showed (a user without tasks, a user whose tasks are all done,
rows inserted out of id order, non-ASCII names), and calls the route with ``TestClient``:
status codes, bodies, the rows left in the database, and the number of queries.
"""

# importing each exercise's module registers its check
from course_lib.checks.nb11_fastapi import ex1_user_tasks, ex2_open_tasks, ex3_delete_user

__all__ = ["ex1_user_tasks", "ex2_open_tasks", "ex3_delete_user"]
