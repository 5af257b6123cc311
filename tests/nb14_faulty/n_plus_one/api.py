from nb14_faulty.parts import get_session, rooms_one_query_each, router_with

router = router_with(rooms=rooms_one_query_each)
__all__ = ["get_session", "router"]
