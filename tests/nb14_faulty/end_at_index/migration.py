from alembic import op

from nb14_faulty.parts import booking_table


def upgrade() -> None:
    booking_table()
    op.create_index("ix_booking_end_at", "booking", ["end_at"])


def downgrade() -> None:
    op.drop_table("booking")
