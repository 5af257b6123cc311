"""The check of ``nb13-reconnect``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from course_lib.exercises import Hint, LearnerError, check_database, describe_error, exercise, learner, rows


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
