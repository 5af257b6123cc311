from nb14_faulty.parts import create_check_then_insert, day_by_comparisons, get_session, router_with

router = router_with(create=create_check_then_insert, day=day_by_comparisons)
__all__ = ["get_session", "router"]
