from alembic import op

from nb14_faulty.parts import booking_table


def upgrade() -> None:
    booking_table()
    op.create_index("ix_booking_room_id_start_at", "booking", ["room_id", "start_at"])


def downgrade() -> None:
    op.drop_table("booking")
