"""The check of ``nb09-withdraw``."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from course_lib.checks.nb09_transactions.common import _sqlstate
from course_lib.exercises import Hint, LearnerError, check_database, describe_error, exercise, rows

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
