"""Checks for notebooks/09_transactions_and_concurrency.ipynb.

Every check runs the learner's function on a scratch database of its own
(:func:`check_database`), with tables shaped like the notebook's (``user``,
``account``, ``counter``) and rows the notebook never showed. The concurrency
checks use real second connections: a concurrent writer that commits between the
learner's read and write (``nb09-retry``; the deadlock it must retry too is raised by the
server with SQLSTATE 40P01 from a ``DO`` block, which the client cannot tell from a real one,
without the 1 s a real deadlock costs), and two threads calling the learner's
function at once while the check holds the row lock until both wait for it
(``nb09-withdraw``), so the race happens every time, not by luck.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, PendingRollbackError
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from course_lib.exercises import Hint, LearnerError, check_database, describe_error, exercise, rows


def _sqlstate(error: BaseException) -> str | None:
    """The SQLSTATE of a database error (SQLAlchemy's wrapper or the driver's own), else None."""
    orig = error.orig if isinstance(error, DBAPIError) else error
    return getattr(orig, "sqlstate", None)


def _constraint(error: BaseException) -> str | None:
    orig = error.orig if isinstance(error, DBAPIError) else error
    diag = getattr(orig, "diag", None)
    return getattr(diag, "constraint_name", None)


# --- nb09-sign-up ----------------------------------------------------------------------------

# The notebook's user table (SQLModel's DDL for User), plus one rule the notebook's has not:
# a CHECK on the email column, whose violation is an IntegrityError that is *not* "email taken".
_USER_TABLE = """
CREATE TABLE "user" (
    id SERIAL PRIMARY KEY,
    email VARCHAR NOT NULL CONSTRAINT user_email_key UNIQUE
        CONSTRAINT user_email_check CHECK (email LIKE '%@%'),
    username VARCHAR NOT NULL CONSTRAINT user_username_key UNIQUE
)
"""
_RAISES = "raises"

# (email, username, what sign_up must do), called in this order with one Session.
_SIGN_UPS: list[tuple[str, str | None, str]] = [
    ("ada@example.com", "ada", "created"),
    ("grace.hopper@example.com", "ada", "username taken"),  # right after a success
    ("grace@example.com", "countess", "email taken"),  # the row the check inserted first
    ("zoë@example.com", "ada", "username taken"),  # two failures in a row: rolled back?
    ("Ada@example.com", "ada_l", "created"),  # unique is case-sensitive: a different email
    ("ada.example.com", "ada_at", _RAISES),  # CHECK user_email_check: not "email taken"
    ("zoë@example.com", None, _RAISES),  # NOT NULL on username
    ("zoë@example.com", "zoë", "created"),  # the session works again after a re-raised error
]
_SIGNED_UP = [
    ("grace@example.com", "grace"),
    ("ada@example.com", "ada"),
    ("Ada@example.com", "ada_l"),
    ("zoë@example.com", "zoë"),
]


def _sign_up_hint_for_error(call: str, expected: str, error: IntegrityError) -> Hint:
    name = _constraint(error)
    return Hint(
        f"{call} raised IntegrityError ({type(error.orig).__name__} on {name}): that is the case to "
        f"report as {expected!r}. Catch IntegrityError, roll back, and look at error.orig.sqlstate "
        "and error.orig.diag.constraint_name."
    )


@exercise("nb09-sign-up", level=2)
def sign_up(answer: Callable[..., Any]) -> str:
    if not callable(answer):
        raise Hint(f"answer_1 should be your function sign_up, not {type(answer).__name__}.")
    with check_database() as engine:
        with engine.begin() as conn:
            conn.execute(text(_USER_TABLE))
            conn.execute(
                text("""INSERT INTO "user" (email, username) VALUES ('grace@example.com', 'grace')""")
            )
        previous = "a failed INSERT"
        with Session(engine) as session:
            for email, username, expected in _SIGN_UPS:
                call = f"sign_up(session, {email!r}, {username!r})"
                try:
                    result = answer(session, email, username)
                except IntegrityError as error:
                    if expected != _RAISES:
                        raise _sign_up_hint_for_error(call, expected, error) from None
                    previous = call
                    continue
                except PendingRollbackError:
                    raise Hint(
                        f"{call} found the session still broken by {previous}: after a failed commit, "
                        "call session.rollback() before returning (and before re-raising)."
                    ) from None
                except Exception as error:
                    if _sqlstate(error) == "25P02":  # in_failed_sql_transaction
                        raise Hint(
                            f"{call} found the transaction still aborted by {previous}: after a failed "
                            "statement, call session.rollback() before returning (and before re-raising)."
                        ) from None
                    if expected == _RAISES:
                        raise Hint(
                            f"{call} violates a rule that is not a taken email or username; your code "
                            f"raised {describe_error(error)}. Let an IntegrityError you do not handle "
                            "propagate unchanged (roll back, then `raise`)."
                        ) from None
                    raise LearnerError("code", error) from error
                if expected == _RAISES:
                    raise Hint(
                        f"{call} returned {result!r}, but that row breaks another rule "
                        f"({'the CHECK user_email_check' if username else 'NOT NULL on username'}): "
                        "compare the constraint's whole name and the SQLSTATE (23505 is a unique "
                        "violation), and re-raise every other IntegrityError."
                    )
                if not isinstance(result, str):
                    raise Hint(
                        f"{call} returned {result!r}; return one of the strings 'created', "
                        "'email taken', 'username taken'."
                    )
                if result != expected:
                    if result == "created":
                        raise Hint(
                            f"{call} returned 'created', but PostgreSQL refused the row: is your "
                            "function hiding an IntegrityError?"
                        )
                    raise Hint(
                        f"{call} returned {result!r}; the right answer is {expected!r}. The violated "
                        "constraint's name (error.orig.diag.constraint_name) says which column clashed."
                    )
                if result != "created":
                    previous = call
                elif not rows(engine, 'SELECT 1 FROM "user" WHERE email = :email', email=email):
                    raise Hint(
                        f"{call} returned 'created', but another connection does not see the user: "
                        "commit (session.commit()), so the row is saved for everyone."
                    )
        saved = rows(engine, 'SELECT email, username FROM "user" ORDER BY id')
    if saved != _SIGNED_UP:
        raise Hint(
            f"the table holds {saved}, expected {_SIGNED_UP}: every 'created' user must be committed "
            "(session.commit()), and nothing else."
        )
    return "each clash is named, other errors propagate, and the session stays usable."


# --- nb09-retry ------------------------------------------------------------------------------


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


# --- nb09-withdraw ---------------------------------------------------------------------------

_ACCOUNT_TABLE = """
CREATE TABLE account (id integer PRIMARY KEY, owner VARCHAR NOT NULL, balance integer NOT NULL)
"""
_WAIT_FOR_BOTH = 10.0  # seconds: how long the check waits for both withdrawals to block
_RACE_TIMEOUT = 60.0


def _balance(engine: Engine, account_id: int) -> int:
    return rows(engine, "SELECT balance FROM account WHERE id = :id", id=account_id)[0][0]


def _withdraw_once(answer: Callable[..., Any], engine: Engine, account_id: int, amount: int) -> Any:
    call = f"withdraw(engine, {account_id}, {amount})"
    try:
        result = answer(engine, account_id, amount)
    except Exception as error:
        if account_id == 99:
            raise Hint(
                f"{call}, for an account that does not exist, raised {describe_error(error)}: return False."
            ) from None
        raise LearnerError("code", error) from error
    if not isinstance(result, bool):
        raise Hint(f"{call} returned {result!r}; return True or False.")
    return result


def _waiting_for_locks(engine: Engine) -> int:
    return rows(
        engine,
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
    )[0][0]


def _race(answer: Callable[..., Any], engine: Engine, amount: int) -> list[Any]:
    """Two withdrawals from account 1 at once, both released together from the check's row lock."""
    results: list[Any] = [None, None]

    def run(index: int) -> None:
        try:
            results[index] = answer(engine, 1, amount)
        except Exception as error:  # reported by the main thread
            results[index] = error

    with engine.connect() as holder:
        holder.execute(text("SELECT balance FROM account WHERE id = 1 FOR UPDATE"))
        threads = [threading.Thread(target=run, args=(index,), daemon=True) for index in (0, 1)]
        try:
            for thread in threads:
                thread.start()
            deadline = time.monotonic() + _WAIT_FOR_BOTH
            while (
                time.monotonic() < deadline
                and any(thread.is_alive() for thread in threads)
                and _waiting_for_locks(engine) < 2
            ):
                time.sleep(0.01)
        finally:
            holder.commit()  # both withdrawals go on now
    for thread in threads:
        thread.join(_RACE_TIMEOUT)
        if thread.is_alive():
            raise Hint(f"two withdrawals at once did not finish within {_RACE_TIMEOUT:.0f} s: a deadlock?")
    return results


@exercise("nb09-withdraw", level=3)
def withdraw(answer: Callable[..., Any]) -> str:
    if not callable(answer):
        raise Hint(f"answer_3 should be your function withdraw, not {type(answer).__name__}.")
    with check_database() as engine:
        with engine.begin() as conn:
            conn.execute(text(_ACCOUNT_TABLE))
            conn.execute(text("INSERT INTO account VALUES (1, 'ada', 100), (2, 'zoë', 50), (3, 'bob', 0)"))

        # One at a time: the edges.
        if _withdraw_once(answer, engine, 2, 20) is not True:
            raise Hint("withdraw(engine, 2, 20) from a balance of 50 returned False: it should succeed.")
        if _balance(engine, 2) != 30:
            raise Hint(
                f"withdraw(engine, 2, 20) returned True but the balance is {_balance(engine, 2)}, not 30: "
                "commit the change."
            )
        if _withdraw_once(answer, engine, 2, 30) is not True or _balance(engine, 2) != 0:
            raise Hint(
                "withdrawing the whole balance (30 of 30) is allowed: the balance may reach exactly 0."
            )
        if _withdraw_once(answer, engine, 3, 1) is not False or _balance(engine, 3) != 0:
            raise Hint("withdraw(engine, 3, 1) from a balance of 0 must return False and change nothing.")
        if _withdraw_once(answer, engine, 99, 10) is not False:
            raise Hint("withdraw(engine, 99, 10): there is no account 99, so nothing was withdrawn: False.")

        # Two at once: 70 and 70 from 100. Exactly one may succeed.
        results = _race(answer, engine, 70)
        errors = [result for result in results if isinstance(result, BaseException)]
        for error in errors:
            if _sqlstate(error) == "55P03":
                raise Hint(
                    "NOWAIT failed at once because the row was locked: a withdrawal should wait for the "
                    "other one (plain FOR UPDATE), not fail."
                )
            if _sqlstate(error) == "40001":
                raise Hint(
                    "one withdrawal failed with a serialization failure (40001): under REPEATABLE READ "
                    "the transaction must be retried, or lock the row, or let one UPDATE do the check."
                )
            raise LearnerError("code", error)
        for result in results:
            if not isinstance(result, bool):
                raise Hint(
                    f"during two withdrawals at once your function returned {result!r}; return True or False."
                )
        final = _balance(engine, 1)
        if final < 0:
            raise Hint(
                f"two withdrawals of 70 at once both succeeded and the balance is {final}: each checked "
                "the balance it had read before the other wrote. Put the condition into the UPDATE "
                "(WHERE balance >= amount), or lock the row (with_for_update()) before reading it."
            )
        if sorted(results) == [True, True]:
            raise Hint(
                f"two withdrawals of 70 from 100 both returned True, and the balance is {final}: one "
                "write overwrote the other (a lost update). Compute the new balance in the UPDATE, "
                "or lock the row (with_for_update()) before reading it."
            )
        if sorted(results) != [False, True] or final != 30:
            raise Hint(
                f"two withdrawals of 70 from 100 at once returned {results} and left {final}; exactly "
                "one should succeed, leaving 30."
            )
    return "two withdrawals at once: one succeeds, one is refused, and nothing is lost."
