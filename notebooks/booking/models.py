"""The booking service's models. Room is given (revision 0001 created its table); write the rest."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


class Base(SQLModel, registry=registry()):
    """A registry of the package's own: each fresh import defines its tables anew, without a clash."""


class Room(Base, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    time_zone: str  # an IANA name, e.g. "Europe/Berlin": the room's days are local days


class RoomPublic(Base):
    id: int
    name: str
    time_zone: str


# TODO Booking (table=True): id, room_id (a foreign key to room.id), title, start_at, end_at.
#      start_at and end_at are instants: a plain datetime field is timestamptz (notebook 05).
# TODO BookingCreate: the POST body (room_id, title, start_at, end_at), times typed AwareDatetime;
#      a booking that does not end after it starts is refused (a model_validator).
# TODO BookingPublic: id, room_id, title, start_at, end_at.
# TODO RoomWithNextBooking(RoomPublic): next_booking: BookingPublic | None.
