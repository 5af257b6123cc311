"""The check of ``nb11-delete-user``."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from course_lib.checks.nb11_fastapi.common import _api, _call
from course_lib.exercises import Hint, LearnerError, exercise, rows


def _sqlstate(error: BaseException) -> str | None:
    orig = error.orig if isinstance(error, DBAPIError) else error
    return getattr(orig, "sqlstate", None)


def _database_state(engine: Engine) -> tuple[list[tuple], list[tuple]]:
    return rows(engine, 'SELECT id FROM "user" ORDER BY id'), rows(engine, "SELECT id FROM task ORDER BY id")


@exercise("nb11-delete-user", level=3)
def delete_user(router: Any, get_session: Any) -> str:
    with _api(router, get_session, "/users/{user_id}", "DELETE") as (client, engine, path):

        def url(user_id: int) -> str:
            return path.replace("{user_id}", str(user_id))

        response = _call(client, "DELETE", url(999))
        if response.status_code != 404:
            raise Hint(
                f"DELETE {url(999)}, a user that does not exist, answered {response.status_code}, not 404."
            )
        before = _database_state(engine)
        for user_id in (7, 12):  # open tasks; only done tasks
            try:
                response = _call(client, "DELETE", url(user_id))
            except LearnerError as error:
                if _sqlstate(error.error) == "23503":  # foreign_key_violation
                    raise Hint(
                        "PostgreSQL refused to delete a user who still has tasks (a foreign key "
                        "violation), and the endpoint let the IntegrityError through: a 500. That is "
                        "the client's conflict: catch that violation and answer 409, as the notebook "
                        "does for a taken email."
                    ) from None
                if _sqlstate(error.error) == "23502":  # not_null_violation: task.user_id set to NULL
                    raise Hint(
                        "before deleting the user, the ORM set their tasks' user_id to NULL (what "
                        "session.delete() does to the children of a one-to-many relationship without a "
                        "delete cascade), and the NOT NULL column refused: a 500. Let the database "
                        "decide: a DELETE statement (session.exec(delete(User).where(...))) fails with a "
                        "foreign key violation while the user has tasks; answer 409 for that one."
                    ) from None
                raise
            if _database_state(engine) != before:
                raise Hint(
                    f"DELETE {url(user_id)} removed rows: a user who has tasks is not deleted, and "
                    "neither are their tasks. Answer 409 and leave everything as it was."
                )
            if response.status_code != 409:
                raise Hint(
                    f"DELETE {url(user_id)}, a user who has tasks, answered {response.status_code}, not 409 "
                    "Conflict."
                )
            if "detail" not in response.json():
                raise Hint("a 409 should say why: HTTPException(status_code=409, detail=...).")
        response = _call(client, "DELETE", url(5))
        if (5,) in _database_state(engine)[0]:
            raise Hint(
                f"DELETE {url(5)}, a user without tasks, answered {response.status_code}, "
                "but the user is still there."
            )
        if response.status_code != 204 or response.content:
            raise Hint(
                f"the user was deleted, and the answer was {response.status_code} {response.text!r}: "
                "a DELETE with nothing to return answers 204 No Content, with an empty body "
                "(status_code=204, return nothing)."
            )
    return "204 when deleted, 404 when missing, 409 (and nothing removed) while the user has tasks."
