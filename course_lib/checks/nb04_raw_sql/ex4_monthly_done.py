"""Exercise 4: a monthly report in UTC, every month, with a running total (``nb04-monthly-done``)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from course_lib.checks.nb04_raw_sql.common import _course_database
from course_lib.exercises import (
    Hint,
    exercise,
    learner_rows,
)

MONTHLY_DONE_SQL = """
WITH done AS (
    SELECT date_trunc('month', completed_at AT TIME ZONE 'UTC') AS month
    FROM task WHERE completed_at IS NOT NULL
),
months AS (
    SELECT generate_series(min(month), max(month), interval '1 month') AS month FROM done
)
SELECT to_char(m.month, 'YYYY-MM') AS month,
       count(d.month) AS done,
       sum(count(d.month)) OVER (ORDER BY m.month) AS done_so_far
FROM months m LEFT JOIN done d ON d.month = m.month
GROUP BY m.month
ORDER BY m.month
"""
# Session time zones the report must not depend on: east of UTC, and west of it.
OTHER_ZONES = ["Pacific/Auckland", "America/Los_Angeles"]


def _month_rows(found: list[tuple]) -> list[tuple[str, int, int]]:
    if any(len(row) != 3 for row in found):
        raise Hint("each row should have three columns: the month ('YYYY-MM'), done that month, done so far.")
    rows = []
    for month, done, so_far in found:
        if month is None:
            raise Hint("a row without a month: tasks not completed (completed_at IS NULL) are not counted.")
        if isinstance(month, datetime | date):
            raise Hint(
                f"the first column is a {type(month).__name__} ({month.isoformat()}): the report's month "
                "is text, 'YYYY-MM', so PostgreSQL should format it."
            )
        if not isinstance(month, str):
            raise Hint("the first column should be the month as text, 'YYYY-MM'.")
        if not re.fullmatch(r"\d{4}-\d{2}", month):
            raise Hint(f"the month should read 'YYYY-MM' (year, dash, two-digit month), not {month!r}.")
        try:
            rows.append((month, int(done), int(so_far)))
        except (TypeError, ValueError):
            raise Hint("the second and third columns should be numbers (counts).") from None
    return rows


def _report(engine: Engine, sql: str, zone: str, *, learner_sql: bool) -> list[tuple]:
    with engine.connect() as conn:
        conn.execute(text("SELECT set_config('TimeZone', :zone, true)"), {"zone": zone})  # this transaction
        if learner_sql:
            return _month_rows(learner_rows(conn, sql))
        return [tuple(row) for row in conn.execute(text(sql))]


@exercise("nb04-monthly-done", level=3)
def monthly_done(answer: Any) -> str:
    if not isinstance(answer, str):
        raise Hint("answer_4 should be the SQL, as a string.")
    with _course_database() as engine:
        expected = _month_rows(_report(engine, MONTHLY_DONE_SQL, "UTC", learner_sql=False))
        got = _report(engine, answer, "UTC", learner_sql=True)
        months = [row[0] for row in got]
        if sorted(got) == sorted(expected) and got != expected:
            raise Hint("the right rows, not in order: ORDER BY the month.")
        if set(months) < {row[0] for row in expected}:
            raise Hint(
                "a month without any completed task is missing: the report lists every month from the "
                "first to the last, and the tasks have no row for such a month: the months must come "
                "from somewhere else (PostgreSQL can make a series of rows), with the counts joined to them."
            )
        zero_months = {row[0] for row in expected if row[1] == 0}
        if any(row[0] in zero_months and row[1] == 1 for row in got):
            raise Hint(
                "a month without completions shows 1: count(*) counts the row the LEFT JOIN made up; "
                "what could you count that is NULL in that row?"
            )
        if [row[:2] for row in got] == [row[:2] for row in expected] and got != expected:
            raise Hint(
                "the third column is a running total: each month adds its count to the months before "
                "it, without collapsing the rows (section 5's window functions)."
            )
        if got != expected:
            first = next(n for n in range(len(expected)) if n >= len(got) or got[n] != expected[n])
            raise Hint(
                f"on the check's own tasks (not the notebook's), row {first + 1} should be "
                f"{expected[first]}, not {got[first] if first < len(got) else 'missing'}."
            )
        for zone in OTHER_ZONES:
            if _report(engine, answer, zone, learner_sql=True) != expected:
                raise Hint(
                    f"right in a UTC session, but in a session whose TimeZone is {zone} your months "
                    "change: date_trunc and to_char on a timestamptz work in the session's time zone. "
                    "Which clock should the month be read on, and when?"
                )
        with engine.connect() as conn:  # rolled back when the block ends
            conn.execute(text("UPDATE task SET completed_at = NULL"))
            if learner_rows(conn, answer):
                raise Hint("with no completed task at all, the report should have no rows.")
    return "every month in UTC whatever the session's zone, empty months at 0, a running total."
