"""Alembic revision 0002: the booking table. Revision 0001 created room (id, name, time_zone)."""

import sqlalchemy as sa
from alembic import op

revision = "0002_bookings"
down_revision = "0001_rooms"


def upgrade() -> None:
    # TODO create the booking table: its columns, a foreign key to room, end_at > start_at,
    #      and no two bookings of one room that overlap (see the spec in 14_capstone)
    ...


def downgrade() -> None:
    # TODO undo upgrade(), and nothing more: the rooms stay as they were
    ...
