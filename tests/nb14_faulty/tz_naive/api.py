from nb14_faulty.race.api import get_session, router

__all__ = ["get_session", "router"]
