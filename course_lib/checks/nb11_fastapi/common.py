"""What several of notebook 11's checks share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from course_lib.exercises import Hint, LearnerError, check_database

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
        with TestClient(app) as client:  # one event loop for all the check's requests, not one each
            yield client, engine, route_path


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


def _tasks_of(user_id: int, done: bool | None = None) -> list[int]:
    return sorted(t[0] for t in _TASKS if t[3] == user_id and (done is None or t[2] == done))
