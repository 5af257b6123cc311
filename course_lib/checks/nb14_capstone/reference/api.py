"""The reference's endpoints: create a booking, a room's bookings on a day, the rooms and what is next."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException
from pydantic import AwareDatetime
from sqlalchemy import func
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from course_lib.checks.nb14_capstone.reference.models import (
    Booking,
    BookingCreate,
    BookingPublic,
    Room,
    RoomWithNextBooking,
)

router = APIRouter()


def get_session() -> Iterator[Session]:
    """The app's session; the check points it at a database of its own (``dependency_overrides``)."""
    raise RuntimeError("no database here: override get_session (app.dependency_overrides)")
    yield  # a generator, like every session dependency


SessionDep = Annotated[Session, Depends(get_session)]


@router.post("/bookings", status_code=201, response_model=BookingPublic)
def create_booking(booking: BookingCreate, session: SessionDep) -> Booking:
    if session.get(Room, booking.room_id) is None:
        raise HTTPException(status_code=404, detail="no such room")
    row = Booking.model_validate(booking)
    session.add(row)
    try:
        session.commit()  # the exclusion constraint decides, even for two requests at the same moment
    except DBAPIError as error:
        session.rollback()
        # 23P01 exclusion_violation: the slot is taken. 40P01 deadlock_detected: two overlapping INSERTs
        # at once each waited for the other's row while checking the constraint, and PostgreSQL aborted
        # one of them: the other booking won the race (the only rows these transactions write).
        if getattr(error.orig, "sqlstate", None) in ("23P01", "40P01"):
            raise HTTPException(status_code=409, detail="the room is already booked then") from None
        raise
    session.refresh(row)
    return row


def local_day(day: date, time_zone: str) -> tuple[datetime, datetime]:
    """The instants a local day starts and ends (23 or 25 hours apart on the days clocks change)."""
    zone = ZoneInfo(time_zone)
    return datetime.combine(day, time(), zone), datetime.combine(day + timedelta(days=1), time(), zone)


@router.get("/rooms/{room_id}/bookings", response_model=list[BookingPublic])
def bookings_of_a_day(room_id: int, day: date, session: SessionDep):
    room = session.get(Room, room_id)
    if room is None:
        raise HTTPException(status_code=404, detail="no such room")
    start, end = local_day(day, room.time_zone)
    # asked in the exclusion constraint's own terms, so that its GiST index answers it
    overlaps = func.tstzrange(Booking.start_at, Booking.end_at).op("&&")(func.tstzrange(start, end))
    query = select(Booking).where(Booking.room_id == room_id, overlaps).order_by(Booking.start_at)
    return session.exec(query).all()


@router.get("/rooms", response_model=list[RoomWithNextBooking])
def rooms_with_next_booking(session: SessionDep, at: AwareDatetime | None = None):
    at = at or datetime.now(UTC)
    rooms = session.exec(select(Room).order_by(Room.id)).all()
    # one query for every room's next booking: DISTINCT ON keeps the first row of each room_id
    upcoming = select(Booking).where(Booking.end_at > at).order_by(Booking.room_id, Booking.start_at)
    next_of = {b.room_id: b for b in session.exec(upcoming.ext(distinct_on(Booking.room_id)))}
    return [
        RoomWithNextBooking(
            id=room.id,
            name=room.name,
            time_zone=room.time_zone,
            next_booking=BookingPublic.model_validate(next_of[room.id]) if room.id in next_of else None,
        )
        for room in rooms
    ]
