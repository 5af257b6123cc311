"""The check of ``nb11-user-tasks``."""

from __future__ import annotations

from typing import Any

from course_lib.checks.nb11_fastapi.common import _TASKS, _api, _call, _task_ids, _tasks_of
from course_lib.exercises import Hint, exercise


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
