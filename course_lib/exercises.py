"""Self-checking exercises.

Each notebook ends with exercises laid out the same way:

1. a markdown cell with the task, headed ``### Exercise N (`exercise-id`)``;
2. a code cell for the learner, ``answer_N = ...``;
3. ``check("exercise-id", answer_N)``, which prints "passed" or a hint (it never
   raises, so Restart & Run All goes on to the end);
4. the reference solution, collapsed (``source_hidden``, tag ``solution``),
   ending with its own ``check(...)``; CI runs it, so every solution is proven
   to pass its check.

Checks live in ``course_lib/checks/``, one module per notebook. A check is a
function that returns a short success note or raises :class:`Hint`.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

CheckFunction = Callable[..., str | None]

PASS = "✅"
FAIL = "❌"

_CHECKS: dict[str, CheckFunction] = {}


class Hint(Exception):
    """Raised by a check: the answer is not right yet, and this is what to look at."""


def rows(engine: Engine, sql: str, **params: Any) -> list[tuple]:
    """The expected answer, straight from the database: ``sql`` run with bound ``params``."""
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql), params)]


def as_pairs(answer: Any, name: str, what: str) -> list[tuple]:
    """The learner's ``answer`` as a list of 2-tuples, or a Hint saying what shape it should be."""
    if not isinstance(answer, list):
        raise Hint(f"{name} should be a list of {what} tuples, not {type(answer).__name__}.")
    pairs = [tuple(row) if isinstance(row, (tuple, list)) else row for row in answer]
    if any(not isinstance(row, tuple) or len(row) != 2 for row in pairs):
        raise Hint(f"each item should be a {what} pair: convert rows with tuple(row).")
    return pairs


def exercise(exercise_id: str) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check function under ``exercise_id``."""

    def register(function: CheckFunction) -> CheckFunction:
        if exercise_id in _CHECKS:
            raise ValueError(f"two checks are registered as {exercise_id!r}")
        _CHECKS[exercise_id] = function
        return function

    return register


def registered_checks() -> dict[str, CheckFunction]:
    """Every check, by id (importing every module of ``course_lib.checks``)."""
    import course_lib.checks as package

    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")
    return dict(_CHECKS)


def run_check(exercise_id: str, *args: Any, **kwargs: Any) -> tuple[bool, str]:
    """Run a check; return (passed, message) without printing."""
    checks = registered_checks()
    if exercise_id not in checks:
        raise KeyError(f"no exercise {exercise_id!r}; known: {', '.join(sorted(checks))}")
    if any(value is Ellipsis for value in (*args, *kwargs.values())):
        return False, "not answered yet: replace the `...` in the cell above with your answer."
    try:
        note = checks[exercise_id](*args, **kwargs)
    except Hint as hint:
        return False, f"not yet. {hint}"
    except Exception as error:  # the learner's code may raise anything: report it kindly
        return False, f"your answer raised {type(error).__name__}: {error}"
    return True, "passed." + (f" {note}" if note else "")


def check(exercise_id: str, *args: Any, **kwargs: Any) -> None:
    """Check an answer and print the verdict (``run_check`` returns it instead)."""
    passed, message = run_check(exercise_id, *args, **kwargs)
    print(f"{PASS if passed else FAIL} {exercise_id}: {message}")
