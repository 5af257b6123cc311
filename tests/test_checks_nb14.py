"""The checks of 14_capstone: the reference package passes, the notebook's stubs and seeded faulty packages
(tests/nb14_faulty/, one mistake each) get the hint that names their mistake.

A check takes a package's name and imports it afresh; the faulty packages are importable because
tests/ is on sys.path (as for helpers), the learner's stubs once notebooks/ is.
"""

import importlib
import inspect

import pytest
from helpers import ROOT, assert_hint, assert_learner_error, assert_not_answered, assert_passes
from nb14_faulty import parts

from course_lib import progress
from course_lib.exercises import check

REFERENCE = "course_lib.checks.nb14_capstone.reference"
CHECKS = ["nb14-migration", "nb14-endpoints", "nb14-concurrency"]


@pytest.mark.parametrize("exercise_id", CHECKS)
def test_the_reference_package_passes(exercise_id):
    assert_passes(exercise_id, REFERENCE)


def test_the_committed_stubs_are_not_yet_right(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "notebooks"))
    assert_hint("nb14-migration", "booking", contains="after upgrade() there is no table booking")
    booking = importlib.import_module("booking")  # the package itself, not its name: the same
    assert_hint("nb14-migration", booking, contains="after upgrade() there is no table booking")
    for exercise_id in CHECKS[1:]:
        assert_hint(exercise_id, "booking", contains="pass nb14-migration first")


@pytest.mark.parametrize("exercise_id", CHECKS)
def test_the_answer_is_a_package_name(exercise_id):
    assert_not_answered(exercise_id, ...)
    assert_hint(exercise_id, object(), contains="give the check your package's name")
    assert_hint(exercise_id, "no_such_package_here", contains="there is no module no_such_package_here.")


def test_an_error_in_the_learners_package_is_theirs(tmp_path, monkeypatch):
    package = tmp_path / "broken_booking"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "migration.py").write_text(
        "def upgrade():\n    op.create_table('booking')\n\ndef downgrade():\n    pass\n"
    )
    (package / "api.py").write_text("from booking_models_typo import Room\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert_learner_error("nb14-migration", "broken_booking", contains="ModuleNotFoundError")
    (package / "api.py").write_text("router = None\n")  # the check imports it afresh: the edit counts
    assert_learner_error("nb14-migration", "broken_booking", contains="NameError: name 'op' is not defined")
    assert_hint("nb14-endpoints", "broken_booking", contains="upgrade() failed")


def test_a_time_without_time_zone_is_named():
    assert_hint("nb14-migration", "nb14_faulty.tz_naive", contains="booking.start_at is timestamp without")
    # SQLModel reads the naive value back as UTC: the answer looks right, the stored row does not
    assert_hint(
        "nb14-endpoints", "nb14_faulty.tz_naive", contains=("stored as 2026-04-01 08:00:00", "no instant")
    )


def test_a_downgrade_that_drops_more_than_it_made_is_named():
    assert_hint("nb14-migration", "nb14_faulty.drops_rooms", contains="dropped the table room")


def test_an_n_plus_one_is_named():
    assert_hint("nb14-endpoints", "nb14_faulty.n_plus_one", contains=("an N+1", "5 statements for 4 rooms"))


def test_a_missing_index_is_named():
    assert_passes("nb14-migration", "nb14_faulty.missing_index")
    assert_hint("nb14-endpoints", "nb14_faulty.missing_index", contains=("Seq Scan", "index"))
    # locking the room (SELECT ... FOR UPDATE) is a right answer to the race, without a constraint
    assert_passes("nb14-concurrency", "nb14_faulty.missing_index")


def test_an_index_that_does_not_find_the_room_first_is_named():
    # both are index scans, no Seq Scan: what they read gives them away
    assert_hint("nb14-endpoints", "nb14_faulty.day_first_index", contains=("pages", "room_id) first"))
    assert_hint("nb14-endpoints", "nb14_faulty.end_at_index", contains=("a Filter then throws away",))


def test_a_race_on_booking_is_named():
    # one request at a time, checking in Python works, and a B-tree serves the day query...
    assert_passes("nb14-endpoints", "nb14_faulty.race")
    # ...but two at once both find the slot free
    assert_hint("nb14-concurrency", "nb14_faulty.race", contains=("both stored", "a race"))


def test_an_unhandled_exclusion_violation_is_named():
    assert_hint(
        "nb14-endpoints", "nb14_faulty.unhandled_violation", contains="let the IntegrityError through"
    )
    # the loser of the race gets 23P01, or 40P01 when both INSERTs waited for each other: one hint for both
    assert_hint(
        "nb14-concurrency",
        "nb14_faulty.unhandled_violation",
        contains=("(exclusion_violation)", "let the error through", "40P01", "answer 409"),
    )


def test_a_utc_day_is_named():
    assert_hint("nb14-endpoints", "nb14_faulty.utc_day", contains="the bookings of the UTC day")


# --- one plausible mistake per hint, in packages written for the test ---------------------------------

# the reference's revision: each mistake below is one change to it
MIGRATION = (ROOT / "course_lib/checks/nb14_capstone/reference/migration.py").read_text()
REFERENCE_API = "from course_lib.checks.nb14_capstone.reference.api import get_session, router\n"


def write_package(root, name: str, migration: str = MIGRATION, api: str = REFERENCE_API) -> str:
    package = root / name
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "migration.py").write_text(migration)
    (package / "api.py").write_text(api)
    return name


MIGRATION_MISTAKES = {
    "no_title": (
        ('        sa.Column("title", sa.String, nullable=False),\n', ""),
        "booking has no column title",
    ),
    "nullable_title": (
        ('sa.Column("title", sa.String, nullable=False)', 'sa.Column("title", sa.String)'),
        "title accept NULL",
    ),
    "no_foreign_key": (('sa.ForeignKey("room.id"), ', ""), "room_id references room.id"),
    "no_check": (
        ('        sa.CheckConstraint("end_at > start_at", name="booking_ends_after_it_starts"),\n', ""),
        "a CHECK constraint, end_at > start_at",
    ),
    "closed_ranges": (
        ("tstzrange(start_at, end_at)", "tstzrange(start_at, end_at, '[]')"),
        "back-to-back bookings",
    ),
    "downgrade_does_nothing": (
        ('    op.drop_table("booking")', "    pass"),
        "the table booking is still there",
    ),
    "downgrade_fails": (('op.drop_table("booking")', 'op.drop_table("bookings")'), "downgrade() failed"),
    "downgrade_deletes_a_room": (
        (
            '    op.drop_table("booking")',
            '    op.drop_table("booking")\n    op.execute("DELETE FROM room WHERE id = 4")',
        ),
        "the rooms are not as they were",
    ),
    "extension_created_twice": (
        ("CREATE EXTENSION IF NOT EXISTS", "CREATE EXTENSION"),
        "failed the second time",
    ),
    "no_downgrade": (
        ("def downgrade() -> None:", "def _downgrade() -> None:"),
        "has no function downgrade()",
    ),
}


@pytest.mark.parametrize("mistake", sorted(MIGRATION_MISTAKES))
def test_each_migration_mistake_gets_its_hint(mistake, tmp_path, monkeypatch):
    (old, new), hint = MIGRATION_MISTAKES[mistake]
    assert old in MIGRATION
    monkeypatch.syspath_prepend(str(tmp_path))
    name = write_package(tmp_path, f"nb14_{mistake}", migration=MIGRATION.replace(old, new))
    assert_hint("nb14-migration", name, contains=hint)


def test_the_migration_the_mistakes_change_passes_unchanged(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    assert_passes("nb14-migration", write_package(tmp_path, "nb14_test_migration"))


API = """
from datetime import UTC, date, datetime

from fastapi import HTTPException
from pydantic import AwareDatetime
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import SQLModel, select

from nb14_faulty.parts import (
    Booking, BookingCreate, BookingPublic, Room, RoomWithNextBooking, SessionDep, get_session, insert,
    reference, router_with,
)

{code}
"""


def one_change(function, old: str, new: str) -> str:
    """The source of one of nb14_faulty.parts' endpoints, with one change."""
    source = inspect.getsource(function)
    assert old in source
    return source.replace(old, new)


UNCHECKED_CREATE = """
class Unchecked(SQLModel):  # BookingCreate without its validator
    room_id: int
    title: str
    start_at: {times}
    end_at: {times}

def create(booking: Unchecked, session: SessionDep):
    return insert(session, BookingCreate.model_construct(**booking.model_dump()))

router = router_with(create=create)
"""
CREATE_CATCHING_23P01 = """
def create(booking: BookingCreate, session: SessionDep):
    try:
        return insert(session, booking)
    except IntegrityError as error:
        if error.orig.sqlstate == "23P01":
            raise HTTPException(status_code=409, detail="taken") from None
        raise
"""
API_MISTAKES = {
    "answers_200": (
        """
from fastapi import APIRouter
router = APIRouter()
router.post("/bookings", response_model=BookingPublic)(reference.create_booking)
""",
        "answered 200",
    ),
    "naive_times": (
        UNCHECKED_CREATE.format(times="datetime"),
        ("refused it at flush", "422: type the request's times AwareDatetime"),
    ),
    "database_checks_the_times": (
        UNCHECKED_CREATE.format(times="AwareDatetime"),
        "(check_violation): validate it in the request model",
    ),
    "database_checks_the_room": (
        CREATE_CATCHING_23P01 + "\nrouter = router_with(create=create)\n",
        "(foreign_key_violation): look the room up first",
    ),
    "times_without_offset": (
        """
from fastapi import APIRouter
from pydantic import field_serializer

class WallClock(BookingPublic):
    @field_serializer("start_at", "end_at")
    def wall_clock(self, value: datetime) -> str:
        return value.replace(tzinfo=None).isoformat()

router = APIRouter()
router.post("/bookings", status_code=201, response_model=WallClock)(reference.create_booking)
""",
        "without an offset: that names no instant",
    ),
    "day_by_start_only": (
        one_change(
            parts.day_by_comparisons,
            "Booking.start_at < end, Booking.end_at > start",
            "Booking.start_at >= start, Booking.start_at < end",
        )
        + "\nrouter = router_with(day=day_by_comparisons)\n",
        "those that overlap its local day",
    ),
    "day_unordered": (
        one_change(parts.day_by_comparisons, "order_by(Booking.start_at)", "order_by(Booking.id)")
        + "\nrouter = router_with(day=day_by_comparisons)\n",
        "order them by start_at",
    ),
    "next_booking_not_yet_started": (  # an N+1 too, but this hint comes first
        one_change(parts.rooms_one_query_each, "Booking.end_at > at", "Booking.start_at > at")
        + "\nrouter = router_with(rooms=rooms_one_query_each)\n",
        "the first that has not ended (end_at > at)",
    ),
}


@pytest.mark.parametrize("mistake", sorted(API_MISTAKES))
def test_each_endpoint_mistake_gets_its_hint(mistake, tmp_path, monkeypatch):
    code, hint = API_MISTAKES[mistake]
    monkeypatch.syspath_prepend(str(tmp_path))
    name = write_package(tmp_path, f"nb14_{mistake}", api=API.format(code=code))
    assert_hint("nb14-endpoints", name, contains=hint)


def test_a_wrong_status_for_the_loser_of_the_race_gets_its_hint(tmp_path, monkeypatch):
    code = """
def create(booking: BookingCreate, session: SessionDep):
    try:
        return insert(session, booking)
    except DBAPIError:  # the loser's 23P01 or 40P01 (deadlock_detected), whichever the race gives
        raise HTTPException(status_code=400, detail="taken") from None

router = router_with(create=create)
"""
    monkeypatch.syspath_prepend(str(tmp_path))
    name = write_package(tmp_path, "nb14_answers_400", api=API.format(code=code))
    assert_hint("nb14-concurrency", name, contains=("got [201, 400]", "the other gets 409"))


def test_a_deadlock_let_through_gets_its_hint(tmp_path, monkeypatch):
    # the loser of a real race may get 40P01; here every request gets one, so that the hint is certain
    code = (
        CREATE_CATCHING_23P01
        + """
def deadlocked(booking: BookingCreate, session: SessionDep):
    session.exec(text("DO $$ BEGIN RAISE SQLSTATE '40P01'; END $$"))
    return create(booking, session)

router = router_with(create=deadlocked)
"""
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    name = write_package(tmp_path, "nb14_deadlock_through", api=API.format(code=code))
    assert_hint(
        "nb14-concurrency", name, contains=("40P01 (deadlock_detected)", "retry the transaction once")
    )


def test_an_exclusion_constraint_without_the_room_is_named():
    assert_hint("nb14-migration", "nb14_faulty.excl_without_room", contains=("room_id WITH =", "btree_gist"))
    # the endpoints' check cannot store its own bookings of 200 rooms at once: a hint, not an internal error
    assert_hint(
        "nb14-endpoints", "nb14_faulty.excl_without_room", contains=("SQLSTATE 23P01", "room_id WITH =")
    )


def test_a_lock_in_python_is_named():
    # one process serializes its own requests, so nothing is double-booked here; two workers would
    assert_hint(
        "nb14-concurrency",
        "nb14_faulty.python_lock",
        contains=("waited in Python", "within one process only"),
    )


def test_a_day_of_24_hours_is_named():
    assert_hint(
        "nb14-endpoints", "nb14_faulty.day_of_24_hours", contains=("lasts 23 hours", "local midnights")
    )


@pytest.mark.parametrize("exercise_id", CHECKS)
def test_check_refuses_the_reference_as_the_learners_answer(exercise_id, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv(progress.FILE_ENV, str(tmp_path / "progress.json"))
    check(exercise_id, REFERENCE)  # check_solution() may pass it (test_the_reference_package_passes)
    assert "is the reference package" in capsys.readouterr().out
    assert progress.load() == {exercise_id: {"passed": False, "attempts": 1}}


def test_a_downgrade_that_drops_a_constraint_of_room_is_named():
    assert_hint(
        "nb14-migration", "nb14_faulty.drops_room_unique", contains=("room is not as it was", "room_name_key")
    )
