from course_lib.checks.nb14_capstone.reference.api import get_session
from nb14_faulty.parts import rooms_one_query_each, router_with

router = router_with(rooms=rooms_one_query_each)
__all__ = ["get_session", "router"]
