"""Checks for notebooks/13_production_settings.ipynb.

Every check works on a scratch database of its own (:func:`check_database`) and probes
behaviour with real server connections: ``nb13-pool-size`` holds connections from the
learner's engine and counts them in ``pg_stat_activity`` (the engine's URL carries an
``application_name`` the check looks for); ``nb13-statement-timeout`` runs queries through the
learner's function on a one-connection pool, so a setting that outlives its transaction shows on
the next checkout; ``nb13-reconnect`` terminates the pooled connection on the server
(``pg_terminate_backend``) before the learner's function uses it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from course_lib.exercises import Hint, LearnerError, check_database, describe_error, exercise, learner, rows


def _sqlstate(error: BaseException) -> str | None:
    orig = error.orig if isinstance(error, DBAPIError) else error
    return getattr(orig, "sqlstate", None)


def _url_string(engine: Engine, **query: str) -> str:
    return engine.url.update_query_dict(query).render_as_string(hide_password=False)


# --- nb13-pool-size --------------------------------------------------------------------------

_APP = "nb13_worker"
_COUNT_WORKER_CONNECTIONS = "SELECT count(*) FROM pg_stat_activity WHERE application_name = :app"
_FIFTH_DEADLINE = 3.0  # seconds the check waits for the fifth checkout


def _open_connections(engine: Engine, expected: int, settle: float = 3.0) -> int:
    """How many server connections carry the worker's application_name (waits for closes to land)."""
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
            if _open_connections(engine, 4) != 4:
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
            if waited < 0.5:
                raise Hint(
                    f"the fifth checkout gave up after {waited:.1f} s: let it wait 1 s (pool_timeout=1) for "
                    "a connection to come back."
                )
            for conn in held:
                conn.close()
            kept = _open_connections(engine, 2)
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


# --- nb13-statement-timeout ------------------------------------------------------------------

_ITEMS = """
CREATE TABLE item (name text, price numeric(8, 2));
INSERT INTO item VALUES ('tea', 2.50), ('crème brûlée', 6.00), (NULL, 1.00), ('Ökotee', NULL), ('tea', 2.50);
"""


def _run(answer: Callable[..., Any], engine: Engine, sql: str, milliseconds: int) -> list[tuple]:
    result = learner(answer, engine, sql, milliseconds)
    if not isinstance(result, list):
        raise Hint(f"run_with_timeout returned {type(result).__name__}: return a list of tuples.")
    return [tuple(row) for row in result]


def _session_timeout(engine: Engine) -> str:
    return rows(engine, "SHOW statement_timeout")[0][0]


@exercise("nb13-statement-timeout", level=2)
def statement_timeout(answer: Callable[..., Any]) -> str:
    if not callable(answer):
        raise Hint(f"answer_2 should be your function run_with_timeout, not {type(answer).__name__}.")
    with check_database() as engine:
        with engine.begin() as conn:
            for statement in _ITEMS.strip().split(";\n"):
                conn.execute(text(statement))
        pooled = create_engine(engine.url, pool_size=1, max_overflow=0, pool_timeout=10)
        try:
            setting = _run(answer, pooled, "SELECT current_setting('statement_timeout')", 1234)
            if setting != [("1234ms",)]:
                if setting == [("0",)]:
                    raise Hint(
                        "the query ran with no statement_timeout: set it in the query's own transaction, "
                        "before the query (SET LOCAL, or set_config('statement_timeout', ..., true))."
                    )
                raise Hint(
                    f"with milliseconds=1234 the query saw statement_timeout = {setting!r}, not 1234ms: "
                    "a number without a unit is milliseconds."
                )
            left = _session_timeout(pooled)
            if left != "0":
                raise Hint(
                    f"the next transaction on the same connection still had statement_timeout = {left}: "
                    "a plain SET (or set_config(..., false)) lasts for the session; make it local to the "
                    "transaction (SET LOCAL, or set_config(..., true))."
                )
            query = "SELECT name, price FROM item ORDER BY name NULLS FIRST, price"
            if _run(answer, pooled, query, 5000) != rows(engine, query):
                raise Hint("return every row of the query, each as a tuple, in the query's order.")
            update = "UPDATE item SET price = price * 2 WHERE name = 'crème brûlée' RETURNING price"
            returned = _run(answer, pooled, update, 5000)
            stored = rows(engine, "SELECT price FROM item WHERE name = 'crème brûlée'")
            if stored != [(12,)]:
                raise Hint(
                    f"an UPDATE returned {returned!r} but the table still holds {stored!r}: commit the "
                    "transaction when the query succeeded."
                )
            started = time.monotonic()
            try:
                result = learner(answer, pooled, "SELECT pg_sleep(3)", 150)
            except LearnerError as error:
                if _sqlstate(error.error) != "57014":
                    raise
            else:
                waited = time.monotonic() - started
                if waited >= 2.5:
                    raise Hint(
                        f"SELECT pg_sleep(3) with milliseconds=150 ran for {waited:.1f} s: the timeout "
                        "was not applied to the query's transaction."
                    )
                raise Hint(
                    f"a query cancelled by the timeout returned {result!r}: let the error (QueryCanceled, "
                    "57014) propagate, so the caller knows the query did not finish."
                )
            if _session_timeout(pooled) != "0":
                raise Hint(
                    "after a cancelled query the connection kept your statement_timeout: make it local "
                    "to the transaction."
                )
        finally:
            pooled.dispose()
    return "each query ran with its own limit, the runaway one was cancelled, and nothing leaked."


# --- nb13-reconnect --------------------------------------------------------------------------


class _Work:
    """``work(conn)`` for the learner's function, counting its calls."""

    def __init__(self, body: Callable[[Any, int], Any]) -> None:
        self.body = body
        self.calls = 0

    def __call__(self, conn: Any) -> Any:
        self.calls += 1
        return self.body(conn, self.calls)


def _kill_pooled_connection(pooled: Engine, admin: Engine) -> None:
    with pooled.connect() as conn:
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    assert rows(admin, "SELECT pg_terminate_backend(:pid, 30000)", pid=pid)[0][0]


def _increment(conn: Any, call: int) -> int:
    return conn.execute(text("UPDATE counter SET value = value + 1 RETURNING value")).scalar()


def _cancelled_by_timeout(conn: Any, call: int) -> None:
    conn.exec_driver_sql("SET LOCAL statement_timeout = '50ms'")
    conn.exec_driver_sql("SELECT pg_sleep(2)")


def _die(conn: Any, call: int) -> str:
    if call <= 10:  # a learner retrying forever gets an answer after 10 calls, and a hint
        conn.exec_driver_sql("SELECT pg_terminate_backend(pg_backend_pid())")
    return "alive"


def _reconnect_call(answer: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, Exception | None]:
    try:
        return learner(answer, *args, **kwargs), None
    except LearnerError as error:
        return None, error.error


@exercise("nb13-reconnect", level=3)
def reconnect(answer: Callable[..., Any]) -> str:
    if not callable(answer):
        raise Hint(f"answer_3 should be your function run_with_reconnect, not {type(answer).__name__}.")
    with check_database() as engine:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE counter (id integer PRIMARY KEY, value integer NOT NULL)"))
            conn.execute(text("INSERT INTO counter VALUES (1, 40)"))
        pooled = create_engine(engine.url, pool_size=1, max_overflow=0, pool_timeout=10)
        try:
            # A live connection: work runs once, its result comes back and is committed.
            work = _Work(_increment)
            result, error = _reconnect_call(answer, pooled, work)
            if error is not None:
                raise LearnerError("code", error)
            if work.calls != 1 or result != 41:
                raise Hint(
                    f"on a live connection work was called {work.calls} time(s) and your function returned "
                    f"{result!r}: call work(conn) once and return what it returned (here 41)."
                )
            if rows(engine, "SELECT value FROM counter")[0][0] != 41:
                raise Hint("work's UPDATE was not kept: commit the transaction (`with engine.begin()`).")

            # The pooled connection was dropped by the server: one retry on a new connection.
            _kill_pooled_connection(pooled, engine)
            work = _Work(_increment)
            result, error = _reconnect_call(answer, pooled, work)
            if error is not None:
                if isinstance(error, DBAPIError) and error.connection_invalidated:
                    raise Hint(
                        "the first attempt ran on a connection the server had dropped, and your function "
                        f"let {describe_error(error)} out: on such an error (connection_invalidated) run "
                        "work again in a new transaction (attempts=2 by default)."
                    )
                raise LearnerError("code", error)
            if result != 42 or rows(engine, "SELECT value FROM counter")[0][0] != 42:
                raise Hint(f"after a reconnect your function returned {result!r}: return what work returned.")

            # Errors on a live connection: never retried.
            for label, body in (
                ("a division by zero (22012)", lambda conn, call: conn.exec_driver_sql("SELECT 1 / 0")),
                (
                    "a statement cancelled by statement_timeout (57014, an OperationalError)",
                    _cancelled_by_timeout,
                ),
            ):
                work = _Work(body)
                result, error = _reconnect_call(answer, pooled, work)
                if work.calls > 1:
                    raise Hint(
                        f"work failed with {label} on a live connection and your function ran it "
                        f"{work.calls} times: retry only when error.connection_invalidated is true, "
                        "and re-raise everything else at once."
                    )
                if error is None:
                    raise Hint(f"work failed with {label}; your function returned {result!r}: re-raise it.")

            # A connection that dies every time: exactly `attempts` tries, then the error.
            work = _Work(_die)
            result, error = _reconnect_call(answer, pooled, work, attempts=3)
            if work.calls != 3:
                raise Hint(
                    f"with attempts=3 and a connection that died every time, work ran {work.calls} times: "
                    "at most attempts times in all, then the last error propagates."
                )
            if error is None:
                raise Hint(
                    f"after the last attempt failed your function returned {result!r}: let the last error "
                    "propagate."
                )
        finally:
            pooled.dispose()
    return "a dropped connection is retried on a new one, live errors are not, and attempts is the limit."
