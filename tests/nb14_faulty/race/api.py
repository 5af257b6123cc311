from nb14_faulty.parts import create_check_then_insert, day_by_comparisons, get_session, router_with

# overlaps are checked, then the booking inserted: both requests can get there before either inserts
router = router_with(create=create_check_then_insert, day=day_by_comparisons)
__all__ = ["get_session", "router"]
