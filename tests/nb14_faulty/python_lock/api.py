import threading

from nb14_faulty.parts import (
    BookingCreate,
    SessionDep,
    create_check_then_insert,
    day_by_comparisons,
    get_session,
    router_with,
)

_ONE_AT_A_TIME = threading.Lock()  # each worker process has its own


def create_behind_a_python_lock(booking: BookingCreate, session: SessionDep):
    with _ONE_AT_A_TIME:
        return create_check_then_insert(booking, session)


router = router_with(create=create_behind_a_python_lock, day=day_by_comparisons)
__all__ = ["get_session", "router"]
