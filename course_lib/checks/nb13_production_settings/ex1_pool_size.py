"""The check of ``nb13-pool-size``."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.pool import QueuePool

from course_lib.checks.nb13_production_settings.common import _url_string
from course_lib.exercises import Hint, LearnerError, check_database, exercise, learner, rows

_APP = "nb13_worker"
# Only this check run's own scratch database: a concurrent run elsewhere on the server never counts.
_COUNT_WORKER_CONNECTIONS = (
    "SELECT count(*) FROM pg_stat_activity WHERE application_name = :app AND datname = current_database()"
)
_FIFTH_DEADLINE = 2.0  # seconds the check waits for the fifth checkout (the task asks for 0.5)


def _open_connections(engine: Engine, expected: int, settle: float) -> int:
    """How many server connections carry the worker's application_name.

    Waits up to ``settle`` seconds for the count to reach ``expected``: a connection the client
    closed leaves the server a moment later; one that connect() returned is there already.
    """
    deadline = time.monotonic() + settle
    while True:
        count = rows(engine, _COUNT_WORKER_CONNECTIONS, app=_APP)[0][0]
        if count == expected or time.monotonic() > deadline:
            return count
        time.sleep(0.05)


def _fifth_checkout(worker: Engine, held: list[Any]) -> tuple[Any, float, bool]:
    """Ask for a fifth connection in a thread: (connection or error, seconds, whether it was in time).

    If it is still waiting after the deadline, the held connections are returned so it finishes.
    """
    outcome: list[Any] = [None]
    started = time.monotonic()

    def take() -> None:
        try:
            outcome[0] = worker.connect()
        except Exception as error:  # reported by the main thread
            outcome[0] = error

    thread = threading.Thread(target=take, daemon=True)
    thread.start()
    thread.join(_FIFTH_DEADLINE)
    in_time = not thread.is_alive()
    waited = time.monotonic() - started
    if not in_time:
        for conn in held:
            conn.close()
        held.clear()
        thread.join(60)
    if outcome[0] is not None and not isinstance(outcome[0], BaseException):
        held.append(outcome[0])  # closed by the caller
    return outcome[0], waited, in_time


@exercise("nb13-pool-size", level=1)
def pool_size(answer: Callable[..., Any]) -> str:
    if not callable(answer):
        raise Hint(f"answer_1 should be your function make_worker_engine, not {type(answer).__name__}.")
    with check_database() as engine:
        worker = learner(answer, _url_string(engine, application_name=_APP))
        if not isinstance(worker, Engine):
            raise Hint(
                f"make_worker_engine(url) returned {type(worker).__name__}: return the engine that "
                "create_engine() made."
            )
        held: list[Any] = []
        try:
            for _ in range(4):
                try:
                    held.append(learner(worker.connect))
                except LearnerError as error:
                    if isinstance(error.error, PoolTimeoutError):
                        raise Hint(
                            f"your engine gave only {len(held)} connections at once, and the worker needs 4: "
                            "pool_size (kept) plus max_overflow (extra under load) is the most at once."
                        ) from None
                    raise
            if _open_connections(engine, 4, settle=0.5) != 4:
                raise Hint(
                    "the check sees none of your engine's connections on its database: build the engine "
                    "from the url argument as it is, create_engine(url, ...)."
                )
            fifth, waited, in_time = _fifth_checkout(worker, held)
            if not in_time:
                raise Hint(
                    f"a fifth checkout was still waiting after {_FIFTH_DEADLINE:.0f} s: a checkout waits "
                    "pool_timeout seconds (30 unless you set it) for a connection to come back."
                )
            if not isinstance(fifth, BaseException):
                raise Hint(
                    "a fifth connection was opened while four were in use: the engine must never hold more "
                    "than 4 at once (pool_size + max_overflow = 4; NullPool has no limit)."
                )
            if not isinstance(fifth, PoolTimeoutError):
                raise LearnerError("code", fifth)
            if waited < 0.25:
                raise Hint(
                    f"the fifth checkout gave up after {waited:.1f} s: let it wait half a second "
                    "(pool_timeout=0.5) for a connection to come back."
                )
            allowed = worker.pool.timeout() if isinstance(worker.pool, QueuePool) else waited
            if allowed > 0.5:
                raise Hint(
                    f"the fifth checkout waited {waited:.1f} s before giving up (pool_timeout={allowed:g}): "
                    "a request may wait at most half a second, pool_timeout=0.5."
                )
            for conn in held:
                conn.close()
            # What the pool says it keeps is on the server once the closes have landed; waiting for
            # 2 when it keeps 4 would only wait out the settle time.
            in_pool = worker.pool.checkedin() if isinstance(worker.pool, QueuePool) else 2
            kept = _open_connections(engine, in_pool, settle=3.0)
        finally:
            for conn in held:
                conn.close()
            worker.dispose()
        if kept != 2:
            raise Hint(
                f"after the burst your engine kept {kept} connections open, not 2: pool_size is how many "
                "it keeps; the max_overflow extra ones are closed when they come back."
            )
    return "4 connections at once, a fifth refused after its wait, 2 kept between bursts."
