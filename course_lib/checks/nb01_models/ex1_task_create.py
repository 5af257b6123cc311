"""Exercise 1: a data model that validates (``nb01-task-create``)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlmodel import SQLModel

from course_lib.exercises import Hint, LearnerError, exercise, learner


def _rejects(model: Any, data: dict[str, Any]) -> bool:
    try:
        learner(model.model_validate, data)
    except LearnerError as error:
        if isinstance(error.error, ValidationError):
            return True
        raise
    return False


@exercise("nb01-task-create", level=1)
def task_create(answer: Any) -> str:
    if not (isinstance(answer, type) and issubclass(answer, SQLModel)):
        raise Hint("answer_1 should be the class itself (answer_1 = TaskCreate), a subclass of SQLModel.")
    if getattr(answer, "__table__", None) is not None:
        raise Hint("TaskCreate is a data model: leave out table=True (table models do not validate).")
    good = {"project_id": 1, "title": "Write the release notes"}
    if _rejects(answer, good):
        raise Hint("a valid task (project_id and title only) was rejected: every other field has a default.")
    task = answer.model_validate(good)
    if getattr(task, "priority", None) != 2 or getattr(task, "description", "unset") is not None:
        raise Hint("priority should default to 2 and description to None.")
    if not _rejects(answer, {"title": "No project"}):
        raise Hint("project_id is required: give it no default.")
    if not _rejects(answer, {**good, "title": "ab"}) or not _rejects(answer, {**good, "title": "x" * 201}):
        raise Hint("a title of 2 or of 201 characters got through: Field(min_length=..., max_length=...).")
    if _rejects(answer, {**good, "title": "abc"}) or _rejects(answer, {**good, "title": "é" * 200}):
        raise Hint("titles of exactly 3 and exactly 200 characters (even non-ASCII ones) must be accepted.")
    if not _rejects(answer, {**good, "priority": 0}) or not _rejects(answer, {**good, "priority": 5}):
        raise Hint("priority 0 or 5 got through: bound it with Field(ge=..., le=...).")
    if _rejects(answer, {**good, "priority": 1}) or _rejects(answer, {**good, "priority": 4}):
        raise Hint("priorities 1 and 4 are allowed: the bounds are inclusive (ge/le, not gt/lt).")
    if _rejects(answer, {**good, "description": "Fine."}):
        raise Hint("a description (a string) should be accepted.")
    return "a data model validates on the way in, bounds included."
