from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fastapi import HTTPException
from sqlmodel import select

from nb14_faulty.parts import Booking, Room, SessionDep, get_session, router_with


def day_of_24_hours(room_id: int, day: date, session: SessionDep):
    room = session.get(Room, room_id)
    if room is None:
        raise HTTPException(status_code=404, detail="no such room")
    start = datetime.combine(day, time(), ZoneInfo(room.time_zone))
    end = start.astimezone(UTC) + timedelta(hours=24)  # a local day is 23, 24 or 25 hours long
    query = select(Booking).where(Booking.room_id == room_id, Booking.start_at < end, Booking.end_at > start)
    return session.exec(query.order_by(Booking.start_at)).all()


router = router_with(day=day_of_24_hours)
__all__ = ["get_session", "router"]
