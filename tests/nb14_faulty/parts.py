"""Building blocks of the faulty versions: the reference's endpoints, and mistakes to swap in.

The faulty packages take every reference name from here, never from the reference itself: a check
imports the reference afresh (new classes, a new ``get_session``), and a faulty package mixing the
names of two imports would override a ``get_session`` its endpoints do not use.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op
from fastapi import APIRouter, HTTPException
from pydantic import AwareDatetime
from sqlmodel import select

from course_lib.checks.nb14_capstone.reference import api as reference
from course_lib.checks.nb14_capstone.reference.models import (
    Booking,
    BookingCreate,
    BookingPublic,
    Room,
    RoomWithNextBooking,
)

SessionDep = reference.SessionDep
get_session = reference.get_session
local_day = reference.local_day
__all__ = [
    "Booking",
    "BookingCreate",
    "BookingPublic",
    "Room",
    "RoomWithNextBooking",
    "SessionDep",
    "get_session",
    "local_day",
    "reference",
]


def router_with(
    create: Callable = reference.create_booking,
    day: Callable = reference.bookings_of_a_day,
    rooms: Callable = reference.rooms_with_next_booking,
) -> APIRouter:
    router = APIRouter()
    router.post("/bookings", status_code=201, response_model=BookingPublic)(create)
    router.get("/rooms/{room_id}/bookings", response_model=list[BookingPublic])(day)
    router.get("/rooms", response_model=list[RoomWithNextBooking])(rooms)
    return router


def booking_table(timezone: bool = True) -> None:
    """The booking table with its foreign key and CHECK, but no rule against overlaps."""
    op.create_table(
        "booking",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("room_id", sa.Integer, sa.ForeignKey("room.id"), nullable=False),
        sa.Column("title", sa.String, nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=timezone), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=timezone), nullable=False),
        sa.CheckConstraint("end_at > start_at"),
    )


def overlapping(session, booking: BookingCreate) -> bool:
    query = select(Booking.id).where(
        Booking.room_id == booking.room_id,
        Booking.start_at < booking.end_at,
        Booking.end_at > booking.start_at,
    )
    return session.exec(query).first() is not None


def insert(session, booking: BookingCreate) -> Booking:
    row = Booking.model_validate(booking)
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def day_by_comparisons(room_id: int, day: date, session: SessionDep):
    """The day query with plain comparisons (fine with a B-tree on (room_id, start_at))."""
    room = session.get(Room, room_id)
    if room is None:
        raise HTTPException(status_code=404, detail="no such room")
    start, end = reference.local_day(day, room.time_zone)
    query = select(Booking).where(Booking.room_id == room_id, Booking.start_at < end, Booking.end_at > start)
    return session.exec(query.order_by(Booking.start_at)).all()


def rooms_one_query_each(session: SessionDep, at: AwareDatetime | None = None):
    """Every room, then one query per room for its next booking: an N+1."""
    at = at or datetime.now(UTC)
    found = []
    for room in session.exec(select(Room).order_by(Room.id)).all():
        upcoming = select(Booking).where(Booking.room_id == room.id, Booking.end_at > at)
        next_booking = session.exec(upcoming.order_by(Booking.start_at)).first()
        found.append(
            RoomWithNextBooking(
                id=room.id,
                name=room.name,
                time_zone=room.time_zone,
                next_booking=None if next_booking is None else BookingPublic.model_validate(next_booking),
            )
        )
    return found


def create_check_then_insert(booking: BookingCreate, session: SessionDep):
    """Overlaps checked in Python, then the insert: right one request at a time (a race for two)."""
    if session.get(Room, booking.room_id) is None:
        raise HTTPException(status_code=404, detail="no such room")
    if overlapping(session, booking):
        raise HTTPException(status_code=409, detail="the room is already booked then")
    return insert(session, booking)
