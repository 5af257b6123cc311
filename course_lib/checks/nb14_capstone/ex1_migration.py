"""The check of ``nb14-migration``: revision 0002 on a database that already holds rooms."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from course_lib.checks.nb14_capstone.common import (
    BOOKING_FIELDS,
    has_booking_table,
    package_modules,
    revision_functions,
    rooms_database,
    run_revision,
)
from course_lib.exercises import Hint, LearnerError, exercise, rows

_INSERT = (
    "INSERT INTO booking (room_id, title, start_at, end_at) VALUES (:room_id, :title, :start_at, :end_at)"
)


def _columns(engine: Engine) -> dict[str, tuple[str, bool]]:
    """booking's columns: name -> (type as PostgreSQL shows it, NOT NULL?)."""
    found = rows(
        engine,
        """SELECT attname, format_type(atttypid, atttypmod), attnotnull FROM pg_attribute
           WHERE attrelid = 'booking'::regclass AND attnum > 0 AND NOT attisdropped""",
    )
    return {name: (type_, notnull) for name, type_, notnull in found}


def _insert(engine: Engine, room_id: int, start_at: str, end_at: str) -> str | None:
    """Insert one booking (committed if accepted); None, or the SQLSTATE PostgreSQL refused it with."""
    try:
        with engine.begin() as conn:
            conn.execute(
                text(_INSERT), dict(room_id=room_id, title="probe", start_at=start_at, end_at=end_at)
            )
    except DBAPIError as error:
        return getattr(error.orig, "sqlstate", None) or "?"
    return None


def _probe_schema(engine: Engine, again: str = "") -> None:
    if not has_booking_table(engine):
        raise Hint(f"after upgrade(){again} there is no table booking: op.create_table('booking', ...).")
    columns = _columns(engine)
    missing = sorted(BOOKING_FIELDS - set(columns))
    if missing:
        raise Hint(f"booking has no column {', '.join(missing)} (it has {sorted(columns)}).")
    for name in ("start_at", "end_at"):
        if columns[name][0] != "timestamp with time zone":
            raise Hint(
                f"booking.{name} is {columns[name][0]}: a time without its offset names no instant "
                "(10:00 where?). Use timestamptz: sa.DateTime(timezone=True)."
            )
    nullable = sorted(name for name in ("room_id", "title", "start_at", "end_at") if not columns[name][1])
    if nullable:
        raise Hint(f"{', '.join(nullable)} accept NULL: every booking has them (nullable=False).")
    refused = _insert(engine, 1, "2026-03-02 10:00+02", "2026-03-02 11:00+02")
    if refused is not None:
        raise Hint(f"a plain booking of room 1, 10:00-11:00, was refused (SQLSTATE {refused}).")
    refused = _insert(engine, 2, "2026-03-02 10:00+02", "2026-03-02 11:00+02")
    if refused == "23P01":
        raise Hint(
            "a booking of room 2 at the very time room 1 is booked was refused (exclusion_violation): the "
            "exclusion constraint compares the times only, so no two rooms can be booked at once. Compare "
            "the room too, room_id WITH =: that is what btree_gist is for (without it a GiST index has no = "
            "for integers)."
        )
    if refused is not None:
        raise Hint(f"a booking of room 2 at the time room 1 is booked was refused (SQLSTATE {refused}).")
    refused = _insert(engine, 999, "2026-03-04 10:00+02", "2026-03-04 11:00+02")
    if refused is None:
        raise Hint("a booking of room 999, which does not exist, was accepted: room_id references room.id.")
    if refused != "23503":
        raise Hint(
            f"a booking of room 999, which does not exist, was refused with SQLSTATE {refused}, not 23503 "
            "(foreign_key_violation): room_id references room.id."
        )
    for start, end in (
        ("2026-03-03 10:00Z", "2026-03-03 10:00Z"),
        ("2026-03-03 10:00Z", "2026-03-03 09:00Z"),
    ):
        if _insert(engine, 2, start, end) is None:
            raise Hint(
                f"a booking from {start} to {end} was accepted: a booking ends after it starts, "
                "and the database says so (a CHECK constraint, end_at > start_at)."
            )
    refused = _insert(engine, 1, "2026-03-02 11:00+02", "2026-03-02 12:00+02")
    if refused is not None:
        raise Hint(
            f"a booking starting at 11:00, when the one before it ends, was refused (SQLSTATE {refused}): "
            "back-to-back bookings do not overlap. Ranges are half-open, tstzrange(start_at, end_at) is "
            "[start_at, end_at)."
        )


def _room_schema(engine: Engine) -> set[str]:
    """room's constraints and indexes, as PostgreSQL would write them again."""
    found = rows(
        engine,
        """SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
           WHERE conrelid = 'room'::regclass
           UNION ALL SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'room'::regclass""",
    )
    return {definition for (definition,) in found}


@exercise("nb14-migration", level=2)
def migration(name: Any) -> str:
    migration_module, _api = package_modules(name)
    upgrade, downgrade = revision_functions(migration_module)
    with rooms_database() as engine:
        rooms_before = rows(engine, "SELECT * FROM room ORDER BY id")
        room_schema = _room_schema(engine)
        run_revision(engine, upgrade)
        _probe_schema(engine)
        try:
            run_revision(engine, downgrade)
        except LearnerError as error:
            raise Hint(f"upgrade() worked, but downgrade() failed: {error}.") from None
        if has_booking_table(engine):
            raise Hint("after downgrade() the table booking is still there: op.drop_table('booking').")
        if rows(engine, "SELECT to_regclass('room') IS NOT NULL") != [(True,)]:
            raise Hint("downgrade() dropped the table room: it undoes revision 0002 only, not 0001.")
        if rows(engine, "SELECT * FROM room ORDER BY id") != rooms_before:
            raise Hint("after downgrade() the rooms are not as they were: undo only what upgrade() did.")
        changed = sorted(room_schema ^ _room_schema(engine))
        if changed:
            raise Hint(
                f"after downgrade() the table room is not as it was ({'; '.join(changed)}): revision 0001 "
                "made room's constraints and indexes, and downgrade() undoes only what upgrade() did."
            )
        try:
            run_revision(engine, upgrade)
        except LearnerError as error:
            raise Hint(
                f"upgrade() -> downgrade() -> upgrade() failed the second time: {error}. Does downgrade() "
                "undo everything upgrade() did (or does upgrade() create what may already be there, "
                "e.g. CREATE EXTENSION without IF NOT EXISTS)?"
            ) from None
        _probe_schema(engine, again=" (after upgrade -> downgrade -> upgrade)")
        if rows(engine, "SELECT * FROM room ORDER BY id") != rooms_before:
            raise Hint("after upgrade -> downgrade -> upgrade the rooms are not as they were.")
    return (
        "booking holds instants (timestamptz), refuses unknown rooms and backwards times, allows "
        "back-to-back bookings; the round trip keeps every room."
    )
