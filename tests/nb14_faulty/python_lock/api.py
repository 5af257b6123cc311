import threading

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

_ONE_AT_A_TIME = threading.Lock()  # each worker process has its own


def create_behind_a_python_lock(booking: BookingCreate, session: SessionDep):
    with _ONE_AT_A_TIME:
        if session.get(Room, booking.room_id) is None:
            raise HTTPException(status_code=404, detail="no such room")
        if overlapping(session, booking):
            raise HTTPException(status_code=409, detail="the room is already booked then")
        return insert(session, booking)


router = router_with(create=create_behind_a_python_lock, day=day_by_comparisons)
__all__ = ["get_session", "router"]
