from alembic import op

from nb14_faulty.parts import booking_table


def upgrade() -> None:
    booking_table()
    op.create_index("ix_booking_start_at_room_id", "booking", ["start_at", "room_id"])


def downgrade() -> None:
    op.drop_table("booking")
