"""Checks for notebooks/11_fastapi.ipynb."""

from __future__ import annotations

import inspect
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.engine import Engine
from sqlalchemy.sql import Select
from sqlmodel import Session

from course_lib.exercises import Hint, exercise
from course_lib.queries import count_queries


@exercise("nb11-task-update")
def task_update(answer: Any) -> str:
    if not (inspect.isclass(answer) and issubclass(answer, BaseModel)):
        raise Hint(f"answer_1 should be your TaskUpdate class, not {answer!r}.")
    fields = set(answer.model_fields)
    if fields != {"title", "done"}:
        raise Hint(f"TaskUpdate should have exactly the fields title and done; it has {sorted(fields)}.")
    try:
        empty = answer.model_validate({})
    except ValidationError:
        raise Hint("an empty PATCH body must be valid: give every field the default None.") from None
    if empty.model_dump(exclude_unset=True) != {}:
        raise Hint("with an empty body, model_dump(exclude_unset=True) should be {}.")
    sent = answer.model_validate({"done": True}).model_dump(exclude_unset=True)
    if sent != {"done": True}:
        raise Hint(
            f"for the body {{'done': true}}, model_dump(exclude_unset=True) gives {sent}, "
            "not {'done': True}."
        )
    for field in ("title", "done"):
        try:
            answer.model_validate({field: None})
        except ValidationError:
            continue
        raise Hint(
            f"an explicit null for {field} is accepted; the NOT NULL column would turn it into a 500. "
            "Add a field_validator that rejects None (it does not run for fields left out)."
        )
    return "fields may be left out, never set to null."


_EXPECTED_CODES = {"duplicate email": 409, "missing user": 404, "limit 500": 422, "null username": 422}
_CODE_HINTS = {
    ("duplicate email", 400): "the app maps a taken email to 409 Conflict, not 400.",
    ("duplicate email", 500): "did the request use the taken email grace@example.com?",
    ("null username", 500): "that was the old PATCH endpoint; the fixed UserUpdate rejects null.",
    ("limit 500", 200): "limit has Query(le=100): 500 is rejected before the endpoint runs.",
}


@exercise("nb11-status-codes")
def status_codes(answer: Any) -> str:
    if not isinstance(answer, dict):
        raise Hint(
            f"answer_2 should be a dict like {{'duplicate email': ..., ...}}, not {type(answer).__name__}."
        )
    missing = sorted(set(_EXPECTED_CODES) - set(answer))
    if missing:
        raise Hint(f"the dict lacks the keys {missing}.")
    for key, expected in _EXPECTED_CODES.items():
        got = answer[key]
        if hasattr(got, "status_code"):
            raise Hint(f"for {key!r} record response.status_code, not the response itself.")
        if got != expected:
            raise Hint(
                _CODE_HINTS.get((key, got), f"{key!r}: the app does not answer {got!r}; make the request.")
            )
    return "409 conflict, 404 not found, 422 invalid input (twice)."


@exercise("nb11-users-with-tasks-query")
def users_with_tasks_query(answer: Any, engine: Engine) -> str:
    if not isinstance(answer, Select):
        raise Hint(f"answer_3 should be a select(User) statement, not {type(answer).__name__}.")
    with Session(engine) as session:
        with count_queries(engine) as counter:
            users = session.exec(answer).unique().all()
            try:
                ids = [user.id for user in users]
                task_counts = [len(user.tasks) for user in users]
            except AttributeError:
                raise Hint("select User objects (select(User)), so that each has .tasks.") from None
    if len(users) < 2:
        raise Hint(f"the statement returned {len(users)} users; return every user.")
    if ids != sorted(ids):
        raise Hint("order the users by id: .order_by(User.id).")
    if counter.count > 2:
        raise Hint(
            f"reading every user's tasks took {counter.count} queries: one per user. "
            "Load the tasks with the users: .options(selectinload(User.tasks))."
        )
    return f"{len(users)} users and {sum(task_counts)} tasks in {counter.count} queries."


@exercise("nb11-test-session-override")
def test_session_override(answer: Any, engine: Engine) -> str:
    if not callable(answer):
        raise Hint(f"answer_4 should be your function get_session_for, not {type(answer).__name__}.")
    dependency = answer(engine)
    if not callable(dependency):
        raise Hint(f"get_session_for(engine) should return a function (the dependency), not {dependency!r}.")
    if not inspect.isgeneratorfunction(dependency):
        raise Hint(
            "the dependency should be a generator function: `with Session(some_engine) as session: "
            "yield session`, so FastAPI closes the session after the request."
        )
    generator = dependency()
    session = next(generator)
    try:
        if not isinstance(session, Session):
            raise Hint(f"the dependency should yield a Session, not {type(session).__name__}.")
        if session.get_bind() is not engine:
            raise Hint("the session is not bound to the engine given to get_session_for: use some_engine.")
    finally:
        generator.close()
    if session.in_transaction():
        raise Hint("the session is still open after the request: create it in a `with Session(...)` block.")
    return "every endpoint can now run on the test engine."
