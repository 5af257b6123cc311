"""The check of ``nb14-endpoints``: the three endpoints' behaviour, time zones, and budgets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from course_lib.checks.nb14_capstone.common import (
    ROOM_FIELDS,
    app_for,
    booking_body,
    call,
    migrated,
    test_client,
)
from course_lib.exercises import Hint, exercise, rows
from course_lib.queries import count_queries

# (key, room_id, title, start, end), inserted in this order. Room 1 is in Berlin, where 2026-03-29
# (the day clocks go forward) runs from 2026-03-28 23:00Z to 2026-03-29 22:00Z: 23 hours.
_BOOKINGS = [
    ("after", 1, "Nach Mitternacht", "2026-03-29 22:15Z", "2026-03-29 22:45Z"),  # local 00:15 on the 30th
    ("morning", 1, "Frühstück", "2026-03-29 08:00Z", "2026-03-29 09:00Z"),
    ("before", 1, "Gestern", "2026-03-28 10:00Z", "2026-03-28 11:00Z"),
    ("late", 1, "Über Mitternacht", "2026-03-28 22:30Z", "2026-03-28 23:15Z"),  # local 23:30-00:15
    ("next day", 1, "Montag", "2026-03-30 07:00Z", "2026-03-30 08:00Z"),
    ("new york", 2, "Standup", "2026-03-30 14:00Z", "2026-03-30 15:00Z"),
    ("tokyo", 3, "朝会", "2026-03-29 01:00Z", "2026-03-29 02:00Z"),
]
_AT = "2026-03-29T10:30:00+02:00"  # 08:30Z: "morning" is under way, "tokyo" is over
_BUDGET = 2
_REMOVED = 500  # rows a day query may fetch and throw away (one room's whole history is 100)
_PAGES = 25  # pages (buffers) it may read: the reference reads 4, (start_at, room_id) 90


def _utc(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


@contextmanager
def _the_checks_rows(what: str) -> Iterator[None]:
    """The check's own INSERTs: refused by the learner's schema, they are a hint, not a bug of the check."""
    try:
        yield
    except DBAPIError as error:
        state = getattr(error.orig, "sqlstate", None) or "?"
        why = (
            "bookings of different rooms at the same time conflict: the exclusion constraint must compare "
            "room_id WITH = as well as the times (btree_gist)"
            if state == "23P01"
            else "the table refuses bookings the spec allows"
        )
        raise Hint(
            f"the check could not store {what} (SQLSTATE {state}): {why}. Run nb14-migration first."
        ) from None


def _fill(engine: Engine) -> dict[str, int]:
    ids = {}
    with _the_checks_rows("its bookings"), engine.begin() as conn:
        for key, room_id, title, start, end in _BOOKINGS:
            ids[key] = conn.execute(
                text(
                    "INSERT INTO booking (room_id, title, start_at, end_at) "
                    "VALUES (:room_id, :title, :start, :end) RETURNING id"
                ),
                dict(room_id=room_id, title=title, start=start, end=end),
            ).scalar_one()
    return ids


def _post(client: Any, room_id: int, start: str, end: str, title: str = "Réunion") -> Any:
    body = {"room_id": room_id, "title": title, "start_at": start, "end_at": end}
    return call(client, "POST", "/bookings", json=body)


def _creating(client: Any, engine: Engine) -> None:
    response = _post(client, 2, "2026-04-01T10:00:00+02:00", "2026-04-01T11:00:00+02:00")
    if response.status_code != 201:
        raise Hint(f"POST /bookings (a free slot) answered {response.status_code} {response.text}, not 201.")
    made = booking_body(response.json(), "POST /bookings's answer")
    if made["start_at"] != _utc("2026-04-01T08:00:00Z"):
        raise Hint(
            f"a booking sent as starting 2026-04-01T10:00:00+02:00 came back as {made['start_at']}: "
            "not the same instant. Keep the offset all the way: AwareDatetime in, timestamptz stored."
        )
    stored = rows(engine, "SELECT start_at FROM booking WHERE id = :id", id=made["id"])
    if stored and stored[0][0].tzinfo is None:
        raise Hint(
            f"a booking sent as starting 10:00+02:00 is stored as {stored[0][0]}, without an offset "
            "(timestamp without time zone): that names no instant. Make start_at and end_at timestamptz "
            "(sa.DateTime(timezone=True) in the migration)."
        )
    if stored != [(_utc("2026-04-01T08:00:00Z"),)]:
        raise Hint(f"a booking sent as starting 10:00+02:00 is stored as starting {stored}, not 08:00 UTC.")
    response = _post(client, 2, "2026-04-02T10:00:00", "2026-04-02T11:00:00")
    if response.status_code != 422:
        raise Hint(
            f"a booking sent without offsets (2026-04-02T10:00:00) got {response.status_code}: which "
            "10:00, where? Refuse it with 422: type the fields AwareDatetime."
        )
    response = _post(client, 2, "2026-04-02T10:00:00Z", "2026-04-02T09:00:00Z")
    if response.status_code != 422:
        raise Hint(
            f"a booking that ends before it starts got {response.status_code}, not 422: validate it in the "
            "request model (a model_validator)."
        )
    response = _post(client, 999, "2026-04-02T10:00:00Z", "2026-04-02T11:00:00Z")
    if response.status_code != 404:
        raise Hint(f"a booking of room 999, which does not exist, got {response.status_code}, not 404.")
    for start, end in (
        ("2026-04-01T10:30:00+02:00", "2026-04-01T11:30:00+02:00"),
        ("2026-04-01T09:30:00+01:00", "2026-04-01T09:45:00+01:00"),  # 08:30Z: the same instant range
    ):
        response = _post(client, 2, start, end)
        if response.status_code != 409 or "detail" not in response.json():
            raise Hint(
                f"a booking {start} - {end} overlaps one of the same room (10:00+02:00 - 11:00+02:00) and "
                f"got {response.status_code} {response.text}: answer 409, with a detail."
            )
    response = _post(client, 2, "2026-04-01T11:00:00+02:00", "2026-04-01T12:00:00+02:00")
    if response.status_code != 201:
        raise Hint(
            f"a booking starting when the last one ends got {response.status_code}, not 201: back-to-back "
            "bookings do not overlap ([start_at, end_at) is half-open)."
        )


def _day(client: Any, engine: Engine, ids: dict[str, int]) -> None:
    url = "/rooms/1/bookings?day=2026-03-29"
    with count_queries(engine) as counter:
        response = call(client, "GET", url)
    if response.status_code != 200 or not isinstance(response.json(), list):
        raise Hint(f"GET {url} answered {response.status_code} {response.text}, not 200 and a list.")
    got = [booking_body(item, f"each item of GET {url}")["id"] for item in response.json()]
    expected = [ids["late"], ids["morning"]]
    name = {value: key for key, value in ids.items()}
    if sorted(got) == sorted([ids["morning"], ids["after"]]):
        raise Hint(
            f"GET {url} listed the bookings of the UTC day: the room is in Europe/Berlin, and its "
            "2026-03-29 runs from local midnight to local midnight (23 hours: clocks go forward). "
            "Make the day's bounds in the room's time_zone (zoneinfo.ZoneInfo)."
        )
    if ids["after"] in got:
        raise Hint(
            f"GET {url} listed a booking that starts at 00:15 on 2026-03-30, Berlin time: the next day. The "
            "room's 2026-03-29 lasts 23 hours (clocks go forward), so it does not end 24 hours after it "
            "starts: take both of its bounds as local midnights, datetime.combine(day, time(), "
            "ZoneInfo(room.time_zone)) and the same for the day after."
        )
    if sorted(got) != sorted(expected):
        listed = [name.get(i, i) for i in got]
        raise Hint(
            f"GET {url} listed {listed}: a room's bookings on a day are those that overlap its local day "
            "(one that starts the evening before and ends after midnight counts)."
        )
    if got != expected:
        raise Hint(f"GET {url} listed the bookings in the order {got}: order them by start_at.")
    if counter.count > _BUDGET:
        raise Hint(f"GET {url} sent {counter.count} statements; the budget is {_BUDGET}.")
    response = call(client, "GET", "/rooms/4/bookings?day=2026-03-29")
    if response.status_code != 200 or response.json() != []:
        raise Hint(
            f"a room without bookings should get 200 and [], not {response.status_code} {response.text}."
        )
    response = call(client, "GET", "/rooms/999/bookings?day=2026-03-29")
    if response.status_code != 404:
        raise Hint(f"GET /rooms/999/bookings (no such room) answered {response.status_code}, not 404.")


def _rooms(client: Any, engine: Engine, ids: dict[str, int]) -> None:
    url = f"/rooms?at={_AT.replace('+', '%2B')}"
    with count_queries(engine) as counter:
        response = call(client, "GET", url)
    body = response.json()
    if response.status_code != 200 or not isinstance(body, list):
        raise Hint(f"GET /rooms?at=... answered {response.status_code} {response.text}, not 200 and a list.")
    for room in body:
        if not isinstance(room, dict) or set(room) != ROOM_FIELDS:
            raise Hint(f"each room should have exactly the fields {sorted(ROOM_FIELDS)}, not {room}.")
    if [room["id"] for room in body] != [1, 2, 3, 4]:
        raise Hint(f"GET /rooms listed the rooms {[room['id'] for room in body]}: every room, by id.")
    got = [
        None if room["next_booking"] is None else booking_body(room["next_booking"], "next_booking")["id"]
        for room in body
    ]
    expected = [ids["morning"], ids["new york"], None, None]
    if got[0] == ids["after"]:
        raise Hint(
            f"at {_AT} room 1's booking of 08:00-09:00 UTC is under way: the next booking is the first that "
            "has not ended (end_at > at), not the first that has not started."
        )
    if got != expected:
        raise Hint(f"with ?at={_AT} the next bookings were {got}, not {expected} (booking ids, rooms 1-4).")
    if counter.count > _BUDGET:
        raise Hint(
            f"GET /rooms sent {counter.count} statements for {len(body)} rooms: one per room (an N+1). "
            "Fetch every room's next booking in one query (DISTINCT ON room_id, or a window function), "
            f"the budget is {_BUDGET} statements, however many rooms there are."
        )


def _scans(plan: dict) -> Iterator[dict]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _scans(child)


def _explained(conn: Any, statement: str, parameters: Any) -> dict:
    """The plan of one statement, run (EXPLAIN ANALYZE): its nodes' real rows and pages (buffers)."""
    found = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {statement}", parameters)
    plan = found.scalar_one()
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]


def _index(client: Any, engine: Engine) -> None:
    """200 more rooms, 100 bookings each; the day query reads one room's rows, not the whole table.

    Each room's rows are stored together (inserted room by room), so the pages a plan reads measure its
    index: one that finds the room first reads a few, one that finds the day first (or filters the
    room afterwards) reads every room's entries up to that day.
    """
    with _the_checks_rows("200 rooms with a booking each day"), engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO room (name, time_zone) SELECT 'Room ' || n, 'UTC' FROM generate_series(1, 200) n"
            )
        )
        conn.execute(
            text(
                "INSERT INTO booking (room_id, title, start_at, end_at) "
                "SELECT r.id, 'Busy', d, d + interval '1 hour' FROM room r, "
                "generate_series(timestamptz '2025-01-01 09:00Z', timestamptz '2025-04-10 09:00Z', "
                "interval '1 day') d WHERE r.name LIKE 'Room %' ORDER BY r.id, d"
            )
        )
        conn.execute(text("ANALYZE room"))
        conn.execute(text("ANALYZE booking"))
    total = rows(engine, "SELECT count(*) FROM booking")[0][0]
    url = "/rooms/100/bookings?day=2025-03-20"  # day 79 of 100: most of the table lies before it
    with count_queries(engine) as sent:
        response = call(client, "GET", url)
    if response.status_code != 200 or len(response.json()) != 1:
        raise Hint(f"GET {url} (one booking that day) answered {response.status_code} {response.text}.")
    right = (
        "The exclusion constraint's GiST index (room_id WITH =, tstzrange(start_at, end_at) WITH &&) finds "
        "the room's day on both sides when the query asks in its terms (tstzrange(...) && tstzrange(...)); "
        "a B-tree on (room_id, start_at) bounds it on one side only (it reads the room's earlier bookings)."
    )
    with engine.connect() as conn:  # rolled back at the end: EXPLAIN ANALYZE runs the statement
        for statement, parameters in zip(sent.statements, sent.parameters, strict=True):
            words = statement.split(None, 1)
            if not words or words[0].upper() not in ("SELECT", "WITH") or "booking" not in statement.lower():
                continue
            plan = _explained(conn, statement, parameters)
            nodes = [node for node in _scans(plan) if node.get("Relation Name") == "booking"]
            if any(node["Node Type"] == "Seq Scan" for node in nodes):
                raise Hint(
                    f"with {total} bookings, GET {url} reads the whole booking table (a Seq Scan) to "
                    f"find one room's day: index what the query filters on. {right}"
                )
            removed = sum(
                node.get("Rows Removed by Filter", 0) + node.get("Rows Removed by Index Recheck", 0)
                for node in nodes
            )
            if removed > _REMOVED:
                raise Hint(
                    f"with {total} bookings, GET {url} fetches {removed} rows of booking that a Filter then "
                    "throws away: the index it uses does not start with room_id (the Index Cond), so it "
                    f"finds other rooms' bookings too. {right}"
                )
            pages = plan.get("Shared Hit Blocks", 0) + plan.get("Shared Read Blocks", 0)
            if pages > _PAGES:
                raise Hint(
                    f"with {total} bookings, GET {url} reads {pages} pages (8 kB each) of booking and its "
                    "indexes for one booking: its index finds the day before the room, so it reads every "
                    "room's entries up to that day. Put the column compared with = (room_id) first. "
                    f"{right}"
                )


@exercise("nb14-endpoints", level=3)
def endpoints(name: Any) -> str:
    with migrated(name) as (engine, api):
        ids = _fill(engine)
        client = test_client(app_for(api, engine))
        _creating(client, engine)
        _day(client, engine, ids)
        _rooms(client, engine, ids)
        _index(client, engine)
    return (
        "bookings keep their instant, overlaps get 409; the day is the room's local day; "
        f"at most {_BUDGET} statements per list, and the day query uses an index."
    )
