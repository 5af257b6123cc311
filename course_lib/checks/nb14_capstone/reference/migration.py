"""Revision 0002: the booking table; no two bookings of one room overlap, enforced by PostgreSQL."""

import sqlalchemy as sa
from alembic import op

revision = "0002_bookings"
down_revision = "0001_rooms"


def upgrade() -> None:
    # btree_gist lets a GiST index compare integers with =, next to the ranges' && (trusted: no superuser)
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.create_table(
        "booking",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("room_id", sa.Integer, sa.ForeignKey("room.id"), nullable=False),
        sa.Column("title", sa.String, nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("end_at > start_at", name="booking_ends_after_it_starts"),
    )
    # tstzrange(start, end) is half-open, [start, end): a booking may start when the last one ends.
    # Its GiST index also serves the day query (room_id = ... AND tstzrange(...) && ...).
    op.execute(
        "ALTER TABLE booking ADD CONSTRAINT booking_no_overlap "
        "EXCLUDE USING gist (room_id WITH =, tstzrange(start_at, end_at) WITH &&)"
    )


def downgrade() -> None:
    # the extension stays: other tables may use it, and dropping it loses no row
    op.drop_table("booking")
