from datetime import UTC, date, datetime, time, timedelta

from fastapi import HTTPException
from sqlmodel import select

from nb14_faulty.parts import Booking, Room, SessionDep, get_session, router_with


def day_in_utc(room_id: int, day: date, session: SessionDep):
    if session.get(Room, room_id) is None:
        raise HTTPException(status_code=404, detail="no such room")
    start = datetime.combine(day, time(), UTC)
    end = start + timedelta(days=1)
    query = select(Booking).where(Booking.room_id == room_id, Booking.start_at < end, Booking.end_at > start)
    return session.exec(query.order_by(Booking.start_at)).all()


router = router_with(day=day_in_utc)
__all__ = ["get_session", "router"]
