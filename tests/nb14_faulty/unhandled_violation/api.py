from fastapi import HTTPException

from nb14_faulty.parts import BookingCreate, Room, SessionDep, get_session, insert, router_with


def create_without_catching(booking: BookingCreate, session: SessionDep):
    if session.get(Room, booking.room_id) is None:
        raise HTTPException(status_code=404, detail="no such room")
    return insert(session, booking)  # an overlap: IntegrityError (exclusion_violation), a 500


router = router_with(create=create_without_catching)
__all__ = ["get_session", "router"]
