from alembic import op

from course_lib.checks.nb14_capstone.reference.migration import upgrade

__all__ = ["downgrade", "upgrade"]


def downgrade() -> None:
    op.drop_table("booking")
    op.drop_constraint("room_name_key", "room")
