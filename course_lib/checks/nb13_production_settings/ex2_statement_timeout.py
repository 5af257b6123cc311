"""The check of ``nb13-statement-timeout``."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from course_lib.checks.nb13_production_settings.common import _sqlstate
from course_lib.exercises import Hint, LearnerError, check_database, exercise, learner, rows

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
