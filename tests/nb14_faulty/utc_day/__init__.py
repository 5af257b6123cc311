"""GET /rooms/{room_id}/bookings?day= lists the bookings of the UTC day, not the room's local day."""
