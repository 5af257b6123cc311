from course_lib.checks.nb14_capstone.reference.migration import downgrade, upgrade

__all__ = ["downgrade", "upgrade"]
