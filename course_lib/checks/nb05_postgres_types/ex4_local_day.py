"""Exercise 4: meetings on a local day (``nb05-local-day``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import text

from course_lib.exercises import Hint, check_database, exercise, learner_rows

MEETINGS = [  # instants in UTC; comments give the local times they probe
    "2026-03-29 12:00:00+00",  # everywhere on the 29th
    "2026-03-28 22:59:59+00",  # Paris 23:59:59 on the 28th
    "2026-03-28 23:00:00+00",  # Paris exactly midnight: the 29th
    "2026-03-29 00:30:00+00",  # UTC on the 29th; New York 20:30 on the 28th
    "2026-03-29 04:00:00+00",  # New York exactly midnight: the 29th
    "2026-03-29 21:59:59+00",  # Paris 23:59:59 on the 29th (summer time since 02:00)
    "2026-03-29 22:00:00+00",  # Paris exactly midnight: the 30th (a fixed +01:00 says the 29th)
    "2026-03-29 18:45:00+00",  # Kolkata 00:15 on the 30th (+05:30)
    "2026-03-30 03:30:00+00",  # New York 23:30 on the 29th
    "2026-03-29 12:00:00+00",  # a second meeting at the same instant as the first
]
DST_DAY, WINTER_DAY = (date(2026, 3, 29), "Europe/Paris"), (date(2026, 3, 28), "Europe/Paris")
CASES = [
    DST_DAY,
    WINTER_DAY,
    (date(2026, 3, 29), "America/New_York"),
    (date(2026, 3, 29), "UTC"),
    (date(2026, 3, 29), "Asia/Kolkata"),
    (date(2026, 4, 1), "Europe/Paris"),
]
LOCAL_DAY_REFERENCE = (
    "SELECT id FROM meeting WHERE (starts_at AT TIME ZONE :zone)::date = :day ORDER BY starts_at, id"
)
UTC_DAY = "SELECT id FROM meeting WHERE starts_at::date = :day ORDER BY starts_at, id"
INCLUSIVE_END = (
    "SELECT id FROM meeting WHERE starts_at AT TIME ZONE :zone BETWEEN :day AND :day + 1 "
    "ORDER BY starts_at, id"
)
MEETING_DDL = (
    "CREATE TABLE meeting (id serial PRIMARY KEY, starts_at timestamptz NOT NULL, "
    "starts_at_wall_clock timestamp, day date, reminder_at time, duration interval, "
    "created_at timestamptz NOT NULL DEFAULT now())"
)


@exercise("nb05-local-day", level=3)
def local_day(statement: Any) -> str:
    if isinstance(statement, str) and (":day" not in statement or ":zone" not in statement):
        raise Hint("use the two bound parameters :day and :zone in the query (no values pasted in).")
    with check_database() as engine:
        with engine.begin() as conn:
            conn.execute(text(MEETING_DDL))
            for starts_at in MEETINGS:
                conn.execute(
                    text("INSERT INTO meeting (starts_at) VALUES (CAST(:starts_at AS timestamptz))"),
                    {"starts_at": starts_at},
                )

        def run(query: Any, day: date, zone: str) -> list[tuple]:
            return learner_rows(engine, query, day=day, zone=zone)

        results = {case: (run(statement, *case), run(LOCAL_DAY_REFERENCE, *case)) for case in CASES}
        wrong = [case for case, (got, expected) in results.items() if got != expected]
        if not wrong:
            return (
                "each instant is read in the zone before its date is taken: midnights and clock changes too."
            )
        day, zone = case = wrong[0]
        got, expected = results[case]
        on = f"on {day.isoformat()} in {zone}"
        if any(len(row) != 1 for row in got):
            raise Hint("select the meeting's id only.")
        if sorted(got) == sorted(expected):
            raise Hint(f"the right meetings {on}, in another order: ORDER BY starts_at (then id).")
        if got == run(UTC_DAY, day, zone):
            raise Hint(
                f"{on} you returned the meetings of that day in UTC: convert each instant to the "
                "zone first (starts_at AT TIME ZONE :zone), then take its date."
            )
        if zone != "Europe/Paris" and got == run(LOCAL_DAY_REFERENCE, day, "Europe/Paris"):
            raise Hint(
                f"{on} you returned Paris's meetings: use the :zone parameter, not a zone of your own."
            )
        if case == DST_DAY and WINTER_DAY not in wrong:
            raise Hint(
                f"{on}, the day Paris moves its clocks, the result is wrong (the day before it is right): "
                "a fixed offset like +01:00 is not a time zone; let PostgreSQL apply :zone's rules."
            )
        if got == run(INCLUSIVE_END, day, zone):
            raise Hint(
                f"{on} a meeting at exactly midnight of the next day came back: a day is "
                ">= its midnight and < the next one (BETWEEN includes both ends)."
            )
        raise Hint(f"{on} your query returns ids {[row[0] for row in got]}; check midnight and the zone.")
