"""The booking service's endpoints, on one APIRouter (the check mounts it on an app of its own)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends
from sqlmodel import Session

from booking.models import Room, RoomPublic

router = APIRouter()


def get_session() -> Iterator[Session]:
    """The app's session; the check points it at a database of its own (``dependency_overrides``)."""
    raise RuntimeError("no database here: override get_session (app.dependency_overrides)")
    yield  # a generator, like every session dependency


SessionDep = Annotated[Session, Depends(get_session)]


# TODO POST /bookings                          -> 201 and the booking (BookingPublic)
# TODO GET /rooms/{room_id}/bookings?day=...   -> the bookings that overlap the room's local day
# TODO GET /rooms?at=...                       -> every room with its next booking (RoomWithNextBooking)
