"""Self-checking exercises: the primitives checks are written with, and ``check()``.

Each notebook ends with exercises laid out the same way (CONTRIBUTING.md):

1. a markdown cell with the task, headed ``### Exercise N ★★ (`nbNN-name`, ~10 min)``;
2. a code cell for the learner, ``answer_N = ...``;
3. ``check("nbNN-name", answer_N)``, which prints "passed" or a hint (it never
   raises, so Restart & Run All goes on to the end);
4. the reference solution, collapsed (``source_hidden``, tag ``solution``),
   ending with ``check_solution("nbNN-name", ...)``: CI runs it, so every
   solution is proven to pass its check, and it never counts as the learner's.

Checks live in ``course_lib/checks/nbNN_topic.py``, one module per notebook (or a
package ``nbNN_topic/``, one module per exercise). A check is a function registered
with :func:`exercise`; it returns a short success note or raises :class:`Hint`. It
calls the learner's code through :func:`learner` and runs the learner's queries
through :func:`learner_rows`, so that an error there is reported as the learner's
("your code raised ..."), while an exception anywhere else is a bug in the check,
reported as such and never blamed on the learner. :func:`check_database` gives a
check a scratch database of its own.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from enum import StrEnum
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.sql.base import Executable

from course_lib import progress
from course_lib.checks import LEVELS
from course_lib.errors import describe_error

CheckFunction = Callable[..., str | None]

PASS = "✅"
FAIL = "❌"
#: ``★`` apply one idea, ``★★`` combine two, ``★★★`` a problem the notebook did not show.
#: Set (to anything but "" or "0") by tests/conftest.py: an internal error of a check
#: raises :class:`InternalCheckError` instead of being printed, so no test can pass over it.
STRICT_ENV = "COURSE_STRICT_CHECKS"


class Hint(Exception):
    """Raised by a check: the answer is not right yet, and this is what to look at."""


class LearnerError(Exception):
    """The learner's code or query raised: raised by :func:`learner` and :func:`learner_rows`."""

    def __init__(self, what: str, error: BaseException) -> None:
        super().__init__(f"your {what} raised {describe_error(error)}")
        self.what = what
        self.error = error


class InternalCheckError(Exception):
    """A check crashed (a bug in the check): raised instead of reported when checks are strict."""


class Status(StrEnum):
    """What a check concluded; ``run_check(...).status``."""

    PASSED = "passed"
    NOT_YET = "not yet"  # a Hint
    NOT_ANSWERED = "not answered"  # the `...` placeholder is still there
    LEARNER_ERROR = "learner error"  # the learner's code or query raised
    INTERNAL_ERROR = "internal error"  # the check itself raised: not the learner's fault


class CheckResult(tuple):
    """``(passed, message)``, as ``run_check`` always returned, plus ``status`` and ``exercise_id``."""

    exercise_id: str
    status: Status

    def __new__(cls, exercise_id: str, status: Status, message: str) -> CheckResult:
        result = super().__new__(cls, (status is Status.PASSED, message))
        result.exercise_id = exercise_id
        result.status = status
        return result

    @property
    def passed(self) -> bool:
        return self[0]

    @property
    def message(self) -> str:
        return self[1]

    def __repr__(self) -> str:
        return f"CheckResult({self.exercise_id!r}, {self.status.name}, {self.message!r})"


# --- writing checks ----------------------------------------------------------------------


def learner(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Call the learner's ``function``; if it raises, the learner is told "your code raised ..."."""
    if not callable(function):
        raise Hint(f"the answer should be a function (or class) to call, not {type(function).__name__}.")
    try:
        return function(*args, **kwargs)
    except LearnerError:
        raise
    except Exception as error:
        raise LearnerError("code", error) from error


def learner_rows(target: Engine | Connection | Session, statement: Any, **params: Any) -> list[tuple]:
    """Run the learner's query on ``target``; its rows as tuples (errors: "your query raised ...").

    ``statement`` is a SQLModel/SQLAlchemy ``select(...)``, a ``text(...)`` or an SQL
    string (``:name`` placeholders take ``params``). It runs at the Core level, so
    ``select(Task)`` gives the columns' values, not ``Task`` objects. On an Engine it
    runs in a transaction of its own that is rolled back; on a Connection or a Session
    it joins theirs (roll it back yourself if the query may write).
    """
    if isinstance(statement, str):
        statement = text(statement)
    if not isinstance(statement, Executable):
        raise Hint(
            "the answer should be a query: a select(...), a text(...) or an SQL string, "
            f"not {type(statement).__name__}."
        )
    if isinstance(target, Engine):
        with target.connect() as conn:
            return learner_rows(conn, statement, **params)
    conn = target.connection() if isinstance(target, Session) else target
    try:
        result = conn.execute(statement, params)
        return [tuple(row) for row in result] if result.returns_rows else []
    except SQLAlchemyError as error:
        raise LearnerError("query", error) from error


@contextlib.contextmanager
def check_database() -> Iterator[Engine]:
    """An empty scratch database of the check's own (in UTC), left as the check leaves it on exit.

    It is on the course's server (``current_server()``), one of ``course-check-0``, ``-1``, ...:
    two kernels or test workers checking at once never share one, and the next claim empties it
    (``databases.scratch_database``).
    """
    from course_lib.databases import scratch_database
    from course_lib.server import current_server
    from course_lib.urls import sync_url

    server = current_server()
    with scratch_database(server) as name:
        engine = create_engine(sync_url(server.url.set(database=name)))
        try:
            yield engine
        finally:
            engine.dispose()


# --- the registry ------------------------------------------------------------------------


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


def exercise(exercise_id: str, level: int = 1) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check function under ``exercise_id``, at ``level`` 1, 2 or 3 (★, ★★, ★★★)."""
    if level not in LEVELS:
        raise ValueError(f"exercise({exercise_id!r}): level is 1, 2 or 3 (★, ★★, ★★★), not {level!r}")

    def register(function: CheckFunction) -> CheckFunction:
        from course_lib import checks  # the registry (imports no check module)

        checks.register(exercise_id, level, function)
        function.exercise_id = exercise_id  # type: ignore[attr-defined]
        function.level = level  # type: ignore[attr-defined]
        return function

    return register


def registered_checks() -> dict[str, CheckFunction]:
    """Every check function, by id (importing every module of ``course_lib.checks``)."""
    from course_lib import checks

    return {exercise_id: entry.function for exercise_id, entry in checks.load_all().items()}


# --- running checks ----------------------------------------------------------------------


def strict() -> bool:
    """Whether internal errors of checks raise (tests) rather than being printed (learners)."""
    return os.environ.get(STRICT_ENV, "").strip() not in ("", "0")


def _internal_error(exercise_id: str, error: Exception, strict_errors: bool) -> CheckResult:
    message = (
        f"internal error in the check for {exercise_id} ({describe_error(error)}); "
        "please report it: this is not your mistake."
    )
    if strict_errors:
        raise InternalCheckError(message) from error
    return CheckResult(exercise_id, Status.INTERNAL_ERROR, message)


def evaluate(
    exercise_id: str, args: tuple = (), kwargs: dict | None = None, *, strict_errors: bool | None = None
) -> CheckResult:
    """Run a check and classify the outcome (see :class:`Status`); never prints.

    With ``strict_errors`` (default: :func:`strict`), an internal error of the check
    raises :class:`InternalCheckError` instead of being returned.
    """
    from course_lib import checks  # the registry: loads only this notebook's check module

    kwargs = kwargs or {}
    strict_errors = strict() if strict_errors is None else strict_errors
    try:
        function = checks.find(exercise_id).function
    except checks.UnknownExercise:
        raise  # an id no check registers: the notebook's author must fix it
    except Exception as error:  # the notebook's check module does not import
        return _internal_error(exercise_id, error, strict_errors)
    if any(value is Ellipsis for value in (*args, *kwargs.values())):
        return CheckResult(
            exercise_id,
            Status.NOT_ANSWERED,
            "not answered yet: replace the `...` in the cell above with your answer.",
        )
    try:
        note = function(*args, **kwargs)
    except Hint as hint:
        return CheckResult(exercise_id, Status.NOT_YET, f"not yet. {hint}")
    except LearnerError as error:
        return CheckResult(exercise_id, Status.LEARNER_ERROR, str(error))
    except Exception as error:  # a bug in the check: never the learner's fault
        return _internal_error(exercise_id, error, strict_errors)
    return CheckResult(exercise_id, Status.PASSED, "passed." + (f" {note}" if note else ""))


def run_check(exercise_id: str, *args: Any, **kwargs: Any) -> CheckResult:
    """Run a check; return ``(passed, message)`` (with ``.status``) without printing."""
    return evaluate(exercise_id, args, kwargs)


def _verdict(result: CheckResult, label: str = "") -> str:
    return f"{PASS if result.passed else FAIL} {result.exercise_id}{label}: {result.message}"


#: The verdicts that count as an attempt in the learner's progress (course_lib.progress).
_ATTEMPTS = (Status.PASSED, Status.NOT_YET, Status.LEARNER_ERROR)


_ANSWERING: ContextVar[bool] = ContextVar("answering", default=False)


def answering() -> bool:
    """Inside ``check()``: the answer is the learner's (a check may refuse the reference's own)."""
    return _ANSWERING.get()


def check(exercise_id: str, *args: Any, **kwargs: Any) -> None:
    """Check the learner's answer, print the verdict and record it in their progress.

    (``run_check`` returns the verdict instead, and records nothing.)
    """
    token = _ANSWERING.set(True)
    try:
        result = run_check(exercise_id, *args, **kwargs)
    finally:
        _ANSWERING.reset(token)
    if result.status in _ATTEMPTS:
        progress.record(exercise_id, result.passed)
    print(_verdict(result))


def check_solution(exercise_id: str, *args: Any, **kwargs: Any) -> None:
    """Check the reference solution: printed as such, and never recorded as the learner's progress."""
    print(_verdict(run_check(exercise_id, *args, **kwargs), " (reference solution)"))
