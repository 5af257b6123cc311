from course_lib.checks.nb14_capstone.reference.api import get_session
from nb14_faulty.race.api import router

__all__ = ["get_session", "router"]
