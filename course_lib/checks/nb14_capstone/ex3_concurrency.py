"""The check of ``nb14-concurrency``: two bookings of one slot sent at the same moment."""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import create_engine, text

from course_lib.checks.nb14_capstone.common import app_for, migrated, sqlstate, test_client
from course_lib.exercises import Hint, LearnerError, exercise, rows

# Two overlapping bookings of room 1 (not the same slot: a UNIQUE (room_id, start_at) is not enough).
_REQUESTS = [
    ("2026-05-04T10:00:00+02:00", "2026-05-04T11:00:00+02:00"),
    ("2026-05-04T08:30:00Z", "2026-05-04T09:30:00Z"),  # 10:30-11:30 in Berlin
]
_WAIT = 10.0  # seconds for the first request to reach the check's lock
_SECOND = 3.0  # seconds more for the other, once one waits: it only has to get as far as the first


def _waiting(conn: Any) -> int:
    """How many other client sessions of this database wait for a lock (autovacuum is not a request)."""
    # pg_stat_activity is read once per transaction unless the snapshot is cleared
    conn.execute(text("SELECT pg_stat_clear_snapshot()"))
    return conn.execute(
        text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend' AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
    ).scalar_one()


@exercise("nb14-concurrency", level=2)
def concurrency(name: Any) -> str:
    with migrated(name) as (engine, api):
        # the requests' sessions give up on a lock after 20 s instead of hanging the check
        requests_engine = create_engine(engine.url, connect_args={"options": "-c lock_timeout=20s"})
        try:
            results, stalled = _race(api, requests_engine, engine)
        finally:
            requests_engine.dispose()
        statuses = sorted(status for status, _ in results if status is not None)
        for _status, error in results:
            if error is None:
                continue
            refused = {
                "23P01": "PostgreSQL refused the second of two overlapping bookings sent at once with 23P01 "
                "(exclusion_violation)",
                # both INSERTs can store their row, then each waits for the other's while checking the
                # constraint: PostgreSQL's deadlock detector aborts one of them (execIndexing.c)
                "40P01": "two overlapping bookings sent at once each waited for the other's row while "
                "checking the exclusion constraint, and PostgreSQL aborted one with 40P01 "
                "(deadlock_detected) instead of 23P01 (exclusion_violation)",
            }.get(sqlstate(error) or "")
            if refused:
                raise Hint(
                    f"{refused}, and the endpoint let the error through: a 500. Under a real race the loser "
                    "gets either one; for both, roll back and answer 409 (the other booking won), or retry "
                    "the transaction once on 40P01, which then finds the other booking: 23P01, 409."
                )
            raise LearnerError("endpoint (POST /bookings, sent twice at once)", error)
        stored = rows(engine, "SELECT count(*) FROM booking WHERE room_id = 1")[0][0]
        if stalled and stored <= 1:
            raise Hint(
                "of two bookings sent at once, one waited for PostgreSQL and the other never reached it: it "
                "waited in Python (a threading.Lock?). A lock in Python holds within one process only; the "
                "service runs as several workers or pods, each with its own. Let PostgreSQL decide: an "
                "exclusion constraint, or lock the room row (SELECT ... FOR UPDATE)."
            )
        if stored > 1:
            raise Hint(
                "two overlapping bookings of room 1, sent at the same moment, were both stored: each request "
                "checked that the slot was free before the other had inserted (a race). Let PostgreSQL "
                "decide: an exclusion constraint, or lock the room first (SELECT ... FOR UPDATE), so that "
                "the second request waits and then sees the first booking."
            )
        if statuses != [201, 409]:
            raise Hint(
                f"two overlapping bookings sent at the same moment got {statuses}: one is booked (201), "
                "the other gets 409."
            )
    return "two overlapping bookings sent at once: one 201, one 409, one row."


def _race(
    api: Any, requests_engine: Any, engine: Any
) -> tuple[list[tuple[int | None, BaseException | None]], bool]:
    """Send both requests while the check holds a lock that lets them read but not insert; then release.

    Also says whether a request stalled outside PostgreSQL: one waited for a lock there, and the other,
    still running, never did.
    """
    app = app_for(api, requests_engine)
    results: list[tuple[int | None, BaseException | None]] = [(None, None)] * len(_REQUESTS)

    def send(index: int, start: str, end: str) -> None:
        body = {"room_id": 1, "title": "Race", "start_at": start, "end_at": end}
        try:
            results[index] = (test_client(app).post("/bookings", json=body).status_code, None)
        except Exception as error:
            results[index] = (None, error)

    with engine.connect() as conn:
        conn.begin()
        # blocks INSERT (ROW EXCLUSIVE) into booking, not SELECT nor SELECT ... FOR UPDATE (ROW SHARE)
        conn.execute(text("LOCK TABLE booking IN SHARE ROW EXCLUSIVE MODE"))
        threads = [
            threading.Thread(target=send, args=(i, start, end), daemon=True)
            for i, (start, end) in enumerate(_REQUESTS)
        ]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + _WAIT
        stalled = False
        while True:
            alive = sum(thread.is_alive() for thread in threads)  # before counting: none can start waiting
            waiting = _waiting(conn)
            if waiting >= alive:  # every request still running waits for the check's lock (or a row lock)
                break
            if waiting and deadline > time.monotonic() + _SECOND:
                deadline = time.monotonic() + _SECOND  # one waits: the other has a few seconds to join it
            if time.monotonic() > deadline:
                stalled = waiting > 0
                break
            time.sleep(0.02)
        conn.rollback()  # the lock goes: both requests go on
    for thread in threads:
        thread.join(timeout=60)
    return results, stalled
