from fastapi import HTTPException
from sqlmodel import select

from nb14_faulty.parts import (
    BookingCreate,
    Room,
    SessionDep,
    day_by_comparisons,
    get_session,
    insert,
    overlapping,
    router_with,
)


def create_locking_the_room(booking: BookingCreate, session: SessionDep):
    # the second of two requests waits here until the first has committed, then sees its booking
    room = session.exec(select(Room).where(Room.id == booking.room_id).with_for_update()).first()
    if room is None:
        raise HTTPException(status_code=404, detail="no such room")
    if overlapping(session, booking):
        raise HTTPException(status_code=409, detail="the room is already booked then")
    return insert(session, booking)


router = router_with(create=create_locking_the_room, day=day_by_comparisons)
__all__ = ["get_session", "router"]
