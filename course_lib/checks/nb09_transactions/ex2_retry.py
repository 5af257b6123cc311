"""The check of ``nb09-retry``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session as OrmSession

from course_lib.checks.nb09_transactions.common import _sqlstate
from course_lib.exercises import Hint, LearnerError, check_database, describe_error, exercise, rows

_RAISE_DEADLOCK = (
    "DO $$ BEGIN RAISE EXCEPTION 'deadlock detected' USING ERRCODE = 'deadlock_detected'; END $$"
)


class _Work:
    """A unit of work for run_in_transaction: adds 10 to counter 1 by read-modify-write.

    ``interfere`` first calls also let a concurrent writer (another connection) add 1 and
    commit between this transaction's read and its write: under REPEATABLE READ or
    SERIALIZABLE the write then fails with a serialization failure (40001).
    ``fail_with="deadlock"`` makes the first call fail after its write as a deadlock victim
    does (40P01).
    """

    def __init__(self, engine: Engine, interfere: int = 0, fail_with: str | None = None) -> None:
        self.engine = engine
        self.interfere = interfere
        self.fail_with = fail_with
        self.calls = 0

    def __call__(self, session: Any) -> int:
        self.calls += 1
        # Session.connection(): the session's own transaction (SQLModel deprecates Session.execute).
        session = session.connection() if isinstance(session, OrmSession) else session
        value = session.execute(text("SELECT value FROM counter WHERE id = 1")).scalar_one()
        if self.calls <= self.interfere:
            with self.engine.begin() as other:
                other.execute(text("UPDATE counter SET value = value + 1 WHERE id = 1"))
        session.execute(text("UPDATE counter SET value = :value WHERE id = 1"), {"value": value + 10})
        if self.fail_with == "timeout":
            session.execute(text("SET LOCAL statement_timeout = '50ms'"))
            session.execute(text("SELECT pg_sleep(5)"))
        if self.fail_with == "deadlock" and self.calls == 1:
            session.execute(text(_RAISE_DEADLOCK))
        if self.fail_with == "python":
            raise ValueError("the work itself failed")
        return value + 10


def _counter(engine: Engine) -> int:
    return rows(engine, "SELECT value FROM counter WHERE id = 1")[0][0]


def _reset_counter(engine: Engine, value: int) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE counter SET value = :value WHERE id = 1"), {"value": value})


def _run(
    answer: Callable[..., Any], engine: Engine, work: _Work, attempts: int
) -> tuple[Any, BaseException | None]:
    try:
        return answer(engine, work, attempts=attempts), None
    except TypeError as error:
        if work.calls == 0:  # the signature, not the work
            raise Hint(f"call it as run_in_transaction(engine, work, attempts=...): {error}") from None
        return None, error
    except Exception as error:
        return None, error


@exercise("nb09-retry", level=2)
def retry(answer: Callable[..., Any]) -> str:
    if not callable(answer):
        raise Hint(f"answer_2 should be your function run_in_transaction, not {type(answer).__name__}.")
    with check_database() as engine:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE counter (id integer PRIMARY KEY, value integer NOT NULL)"))
            conn.execute(text("INSERT INTO counter VALUES (1, 500)"))

        # 1. No conflict: the work runs once, its result is returned and committed.
        work = _Work(engine)
        result, error = _run(answer, engine, work, attempts=3)
        if error is not None:
            raise LearnerError("code", error)
        if _counter(engine) != 510:
            raise Hint("the work ran but its UPDATE was not kept: commit the transaction when work returns.")
        if result != 510:
            raise Hint(f"return what work(session) returned (here 510), not {result!r}.")

        # 2. A concurrent writer commits once between the work's read and its write.
        _reset_counter(engine, 700)
        work = _Work(engine, interfere=1)
        result, error = _run(answer, engine, work, attempts=3)
        if error is not None and _sqlstate(error) == "40001":
            raise Hint(
                "a serialization failure (SQLSTATE 40001) escaped after the first attempt: catch it, "
                "roll back, and run the work again in a new transaction."
            )
        if error is not None:
            raise Hint(
                f"after a serialization failure the retry raised {describe_error(error)}: each attempt "
                "needs a new transaction (roll back, or use a new Session, before calling work again)."
            )
        if work.calls == 1 and _counter(engine) == 710:
            raise Hint(
                "another transaction added 1 between the work's read and its write, and your run kept "
                "710: the update was lost. Under READ COMMITTED nothing fails; run the work under "
                'SERIALIZABLE (execution_options(isolation_level="SERIALIZABLE")).'
            )
        if (work.calls, result, _counter(engine)) != (2, 711, 711):
            raise Hint(
                f"with one conflict the work should run twice and end at 711; it ran {work.calls} "
                f"time(s), returned {result!r}, and the counter is {_counter(engine)}."
            )

        # 2b. The first attempt is chosen as a deadlock victim: retried like a conflict.
        _reset_counter(engine, 300)
        work = _Work(engine, fail_with="deadlock")
        result, error = _run(answer, engine, work, attempts=3)
        if error is not None and _sqlstate(error) == "40P01":
            raise Hint(
                "a deadlock (SQLSTATE 40P01) escaped after the first attempt: PostgreSQL rolled that "
                "transaction back to break the deadlock, and running it again is the cure, as for a "
                "serialization failure (40001)."
            )
        if error is not None:
            raise LearnerError("code", error)
        if (work.calls, result, _counter(engine)) != (2, 310, 310):
            raise Hint(
                f"after a deadlock the work should run once more and end at 310; it ran {work.calls} "
                f"time(s), returned {result!r}, and the counter is {_counter(engine)}."
            )

        # 3. A conflict on every attempt: give up after `attempts`, letting the error out.
        _reset_counter(engine, 0)
        work = _Work(engine, interfere=99)
        result, error = _run(answer, engine, work, attempts=4)
        if error is None:
            raise Hint(
                f"every attempt failed and your function returned {result!r}: after the last attempt, "
                "let the serialization failure propagate so the caller knows."
            )
        if work.calls != 4:
            raise Hint(f"with attempts=4 the work should run 4 times in all; it ran {work.calls} time(s).")
        if _sqlstate(error) != "40001":
            raise Hint(
                "after the last attempt, re-raise the serialization failure itself, "
                f"not {describe_error(error)}."
            )

        # 4. Other errors are not retried: a statement timeout is an OperationalError too.
        for fail_with, what in [("timeout", "a statement timeout (57014)"), ("python", "a ValueError")]:
            _reset_counter(engine, 0)
            work = _Work(engine, fail_with=fail_with)
            result, error = _run(answer, engine, work, attempts=3)
            if work.calls != 1:
                raise Hint(
                    f"the work failed with {what} and your function ran it {work.calls} times: retry "
                    "only serialization failures and deadlocks, error.orig.sqlstate in ('40001', "
                    "'40P01') (not every OperationalError)."
                )
            if error is None:
                raise Hint(
                    f"the work failed with {what} and your function returned {result!r}: let it propagate."
                )
            expected_type = ValueError if fail_with == "python" else DBAPIError
            if not isinstance(error, expected_type):
                raise Hint(
                    f"the work failed with {what}; let it propagate unchanged, "
                    f"not as {describe_error(error)}."
                )
            if _counter(engine) != 0:
                raise Hint("a failed attempt left its UPDATE behind: roll back when the work fails.")
    return "conflicts are retried in a new transaction, everything else fails at once."
