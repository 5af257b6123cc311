from fastapi import HTTPException

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


def create_check_then_insert(booking: BookingCreate, session: SessionDep):
    if session.get(Room, booking.room_id) is None:
        raise HTTPException(status_code=404, detail="no such room")
    if overlapping(session, booking):  # both requests can get here before either inserts
        raise HTTPException(status_code=409, detail="the room is already booked then")
    return insert(session, booking)


router = router_with(create=create_check_then_insert, day=day_by_comparisons)
__all__ = ["get_session", "router"]
