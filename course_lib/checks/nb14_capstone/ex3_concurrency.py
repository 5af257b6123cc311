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
_WAIT = 10.0  # seconds for both requests to reach the check's lock


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


@exercise("nb14-concurrency", level=3)
def concurrency(name: Any) -> str:
    with migrated(name) as (engine, api):
        # the requests' sessions give up on a lock after 20 s instead of hanging the check
        requests_engine = create_engine(engine.url, connect_args={"options": "-c lock_timeout=20s"})
        try:
            results = _race(api, requests_engine, engine)
        finally:
            requests_engine.dispose()
        statuses = sorted(status for status, _ in results if status is not None)
        for _status, error in results:
            if error is None:
                continue
            if sqlstate(error) == "23P01":
                raise Hint(
                    "PostgreSQL refused the second of two overlapping bookings sent at once "
                    "(exclusion_violation), and the endpoint let the IntegrityError through: a 500. "
                    "Catch it, roll back, answer 409."
                )
            raise LearnerError("endpoint (POST /bookings, sent twice at once)", error)
        stored = rows(engine, "SELECT count(*) FROM booking WHERE room_id = 1")[0][0]
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


def _race(api: Any, requests_engine: Any, engine: Any) -> list[tuple[int | None, BaseException | None]]:
    """Send both requests while the check holds a lock that lets them read but not insert; then release."""
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
        while _waiting(conn) < len(threads) and time.monotonic() < deadline:
            time.sleep(0.02)
        conn.rollback()  # the lock goes: both requests go on
    for thread in threads:
        thread.join(timeout=60)
    return results
