"""Checks for notebooks/11_fastapi.ipynb.

Every answer is an ``APIRouter`` holding the learner's route, and the notebook's
``get_session`` dependency. A check mounts the router on a FastAPI app of its own, points
``get_session`` at a scratch database (:func:`check_database`, through
``app.dependency_overrides``, as the notebook does for its tests), fills it with users and
tasks the notebook never showed (a user without tasks, a user whose tasks are all done,
rows inserted out of id order, non-ASCII names), and calls the route with ``TestClient``:
status codes, bodies, the rows left in the database, and the number of queries.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from course_lib.exercises import Hint, LearnerError, check_database, exercise, rows
from course_lib.queries import count_queries

# The notebook's tables, as SQLModel creates them for User and Task.
_TABLES = [
    """CREATE TABLE "user" (
        email VARCHAR NOT NULL, username VARCHAR NOT NULL, is_active BOOLEAN NOT NULL,
        id SERIAL PRIMARY KEY, hashed_password VARCHAR NOT NULL
    )""",
    'CREATE UNIQUE INDEX ix_user_email ON "user" (email)',
    'CREATE INDEX ix_user_username ON "user" (username)',
    """CREATE TABLE task (
        title VARCHAR NOT NULL, done BOOLEAN NOT NULL, id SERIAL PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES "user" (id)
    )""",
    "CREATE INDEX ix_task_user_id ON task (user_id)",
]
# (id, email, username, is_active), inserted in this order (not the ids' order).
_USERS = [
    (7, "zoe@example.com", "zoë", True),
    (3, "li@example.com", "李", True),
    (12, "obrien@example.com", "o'brien", False),  # only done tasks
    (5, "new@example.com", "new", True),  # no tasks
]
# (id, title, done, user_id), inserted in this order.
_TASKS = [
    (40, "Écrire le rapport", False, 7),
    (11, "Relire", True, 7),
    (25, "Déployer", False, 3),
    (8, "Planifier", False, 7),
    (30, "Rappeler", True, 3),
    (50, "Archiver", True, 12),
]
_TASK_FIELDS = {"id", "title", "done", "user_id"}
_USER_FIELDS = {"id", "email", "username", "is_active", "tasks"}


@contextmanager
def _api(router: Any, get_session: Any, path: str, method: str) -> Iterator[tuple[TestClient, Engine, str]]:
    """The learner's router on an app of the check's own, its sessions on a scratch database."""
    route_path = _route_path(router, path, method)
    if not callable(get_session):
        raise Hint("give the check the notebook's get_session too: check(..., router, get_session).")
    with check_database() as engine:
        with engine.begin() as conn:
            for statement in _TABLES:
                conn.execute(text(statement))
            conn.execute(
                text(
                    'INSERT INTO "user" (id, email, username, is_active, hashed_password) '
                    "VALUES (:id, :email, :username, :is_active, 'not a real hash')"
                ),
                [dict(zip(("id", "email", "username", "is_active"), user, strict=True)) for user in _USERS],
            )
            conn.execute(
                text("INSERT INTO task (id, title, done, user_id) VALUES (:id, :title, :done, :user_id)"),
                [dict(zip(("id", "title", "done", "user_id"), task, strict=True)) for task in _TASKS],
            )

        def session_on_the_check_database() -> Iterator[Session]:
            with Session(engine) as session:
                yield session

        app = FastAPI()
        app.include_router(router)
        app.dependency_overrides[get_session] = session_on_the_check_database
        yield TestClient(app), engine, route_path


def _route_path(router: Any, path: str, method: str) -> str:
    if not isinstance(router, APIRouter):
        raise Hint(
            f"the answer should be your APIRouter (with the route on it), not {type(router).__name__}."
        )
    for route in router.routes:
        if getattr(route, "path", "").rstrip("/") == path.rstrip("/") and method in getattr(
            route, "methods", ()
        ):
            return route.path
    found = sorted(f"{sorted(getattr(r, 'methods', []))} {getattr(r, 'path', '?')}" for r in router.routes)
    raise Hint(f"the router has no {method} {path} route (it has: {found or 'no routes'}).")


def _call(client: TestClient, method: str, url: str, **kwargs: Any):
    """One request; an exception raised by the learner's endpoint is theirs."""
    try:
        return client.request(method, url, **kwargs)
    except Exception as error:
        raise LearnerError(f"endpoint ({method} {url})", error) from error


def _task_ids(response: Any, what: str) -> list[int]:
    body = response.json()
    if not isinstance(body, list) or not all(isinstance(item, dict) for item in body):
        raise Hint(f"{what} should answer a JSON list of tasks, not {body!r}.")
    for item in body:
        if set(item) != _TASK_FIELDS:
            raise Hint(
                f"each task should have exactly the fields {sorted(_TASK_FIELDS)} (response_model="
                f"list[TaskPublic]); one has {sorted(item)}."
            )
    return [item["id"] for item in body]


# --- nb11-user-tasks -------------------------------------------------------------------------


def _tasks_of(user_id: int, done: bool | None = None) -> list[int]:
    return sorted(t[0] for t in _TASKS if t[3] == user_id and (done is None or t[2] == done))


@exercise("nb11-user-tasks", level=1)
def user_tasks(router: Any, get_session: Any) -> str:
    with _api(router, get_session, "/users/{user_id}/tasks/", "GET") as (client, _engine, path):

        def url(user_id: int) -> str:
            return path.replace("{user_id}", str(user_id))

        response = _call(client, "GET", url(7))
        if response.status_code == 422:
            raise Hint(
                "a request without ?done= was refused (422): the filter is optional, "
                "done: bool | None = None, and without it every task of the user is listed."
            )
        if response.status_code != 200:
            raise Hint(f"GET {url(7)} (a user with tasks) answered {response.status_code}, not 200.")
        got = _task_ids(response, f"GET {url(7)}")
        expected = _tasks_of(7)
        if set(got) - {t[0] for t in _TASKS if t[3] == 7}:
            raise Hint("the list holds other users' tasks: only the tasks whose user_id is the user's.")
        if sorted(got) != expected:
            raise Hint(
                f"GET {url(7)} should list all {len(expected)} tasks of that user; it listed {len(got)}."
            )
        if got != expected:
            raise Hint(f"the tasks came in the order {got}: order them by id (.order_by(Task.id)).")
        for done in (False, True):
            response = _call(client, "GET", url(7), params={"done": done})
            got = _task_ids(response, f"GET {url(7)}?done={str(done).lower()}")
            if got == _tasks_of(7):
                raise Hint("?done= is ignored: when it is given, list only the tasks whose done matches it.")
            if got != _tasks_of(7, done):
                raise Hint(f"?done={str(done).lower()} listed the tasks {got}, not {_tasks_of(7, done)}.")
        response = _call(client, "GET", url(5))
        if response.status_code == 404:
            raise Hint(
                "a user who exists but has no tasks got 404: the user is there, the list is just empty "
                "(200 and [])."
            )
        if response.status_code != 200 or _task_ids(response, f"GET {url(5)}") != []:
            raise Hint(
                f"a user without tasks should get 200 and [], not {response.status_code} {response.text}."
            )
        response = _call(client, "GET", url(999))
        if response.status_code != 404:
            raise Hint(
                f"GET {url(999)}, a user that does not exist, answered {response.status_code} "
                f"{response.text}: that is 404 (session.get(User, user_id) is None), not an empty list."
            )
    return "the user's tasks in id order, filtered by ?done=; 404 only for a user that does not exist."


# --- nb11-open-tasks -------------------------------------------------------------------------


@exercise("nb11-open-tasks", level=2)
def open_tasks(router: Any, get_session: Any) -> str:
    with _api(router, get_session, "/users-with-open-tasks/", "GET") as (client, engine, path):
        with count_queries(engine) as counter:
            response = _call(client, "GET", path)
        if response.status_code != 200:
            raise Hint(f"GET {path} answered {response.status_code}, not 200.")
        body = response.json()
        if not isinstance(body, list) or not all(isinstance(user, dict) for user in body):
            raise Hint(f"GET {path} should answer a JSON list of users, not {body!r}.")
        if any("hashed_password" in user for user in body):
            raise Hint("the password hash left the API: response_model=list[UserPublicWithTasks].")
        for user in body:
            if set(user) != _USER_FIELDS:
                raise Hint(
                    f"each user should have the fields {sorted(_USER_FIELDS)} "
                    f"(response_model=list[UserPublicWithTasks]); one has {sorted(user)}."
                )
        ids = [user["id"] for user in body]
        every_user = sorted(u[0] for u in _USERS)
        if sorted(ids) != every_user:
            missing = sorted(set(every_user) - set(ids))
            raise Hint(
                f"users {missing} are missing (they have no open task): every user is listed, with an "
                "empty list when nothing is open. Filter the tasks, not the users."
            )
        if ids != every_user:
            raise Hint(f"the users came in the order {ids}: order them by id.")
        for user in body:
            got = sorted(_task_ids_of(user))
            if got != _tasks_of(user["id"], done=False):
                if got == _tasks_of(user["id"]):
                    raise Hint("the tasks that are done are listed too: only the open ones (done is false).")
                raise Hint(f"user {user['id']} has the open tasks {_tasks_of(user['id'], False)}, not {got}.")
        if counter.count > 2:
            raise Hint(
                f"the endpoint sent {counter.count} queries for {len(body)} users: one per user "
                "(lazy loading). Load the tasks with the users, in one more query: selectinload."
            )
    return f"every user with only their open tasks, in {counter.count} queries."


def _task_ids_of(user: dict) -> list[int]:
    tasks = user["tasks"]
    if not isinstance(tasks, list) or any(set(task) != _TASK_FIELDS for task in tasks):
        raise Hint(f"each user's tasks should be TaskPublic objects ({sorted(_TASK_FIELDS)}).")
    return [task["id"] for task in tasks]


# --- nb11-delete-user ------------------------------------------------------------------------


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
