"""The reference's models: rooms (revision 0001) and bookings (revision 0002)."""

from __future__ import annotations

from datetime import datetime
from typing import Self

from pydantic import AwareDatetime, model_validator
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


class Booking(Base, table=True):
    id: int | None = Field(default=None, primary_key=True)
    room_id: int = Field(foreign_key="room.id")
    title: str
    # a datetime field is timestamptz in SQLModel 0.0.50, and refuses naive values (notebook 05).
    # (The overlap rule and end_at > start_at live in the migration.)
    start_at: datetime
    end_at: datetime


class BookingCreate(Base):
    room_id: int
    title: str
    start_at: AwareDatetime  # a time without an offset is refused (422): it names no instant
    end_at: AwareDatetime

    @model_validator(mode="after")
    def ends_after_it_starts(self) -> Self:
        if self.end_at <= self.start_at:
            raise ValueError("end_at must be after start_at")
        return self


class BookingPublic(Base):
    id: int
    room_id: int
    title: str
    start_at: datetime
    end_at: datetime


class RoomWithNextBooking(RoomPublic):
    next_booking: BookingPublic | None
