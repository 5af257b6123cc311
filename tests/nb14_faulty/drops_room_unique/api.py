from nb14_faulty.parts import get_session, router_with

router = router_with()
__all__ = ["get_session", "router"]
