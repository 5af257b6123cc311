from alembic import op

from nb14_faulty.parts import booking_table


def upgrade() -> None:
    booking_table()
    # "no default operator class for gist" on integer: room_id dropped instead of adding btree_gist
    op.execute("ALTER TABLE booking ADD EXCLUDE USING gist (tstzrange(start_at, end_at) WITH &&)")


def downgrade() -> None:
    op.drop_table("booking")
