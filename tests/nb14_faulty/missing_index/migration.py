from alembic import op

from nb14_faulty.parts import booking_table


def upgrade() -> None:
    booking_table()  # no index but the primary key's


def downgrade() -> None:
    op.drop_table("booking")
