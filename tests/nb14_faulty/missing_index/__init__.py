"""No exclusion constraint and no index on booking: the room is locked (FOR UPDATE) to stop overlaps,
which is right, but the day query reads the whole table."""
