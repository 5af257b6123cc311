"""The check of ``nb11-open-tasks``."""

from __future__ import annotations

from typing import Any

from course_lib.checks.nb11_fastapi.common import _TASK_FIELDS, _USER_FIELDS, _USERS, _api, _call, _tasks_of
from course_lib.exercises import Hint, exercise
from course_lib.queries import count_queries


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
