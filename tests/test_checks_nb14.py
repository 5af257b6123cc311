"""The checks of 14_capstone: the reference package passes, the notebook's stubs and seeded faulty packages
(tests/nb14_faulty/, one mistake each) get the hint that names their mistake.

A check takes a package's name and imports it afresh; the faulty packages are importable because
tests/ is on sys.path (as for helpers), the learner's stubs once notebooks/ is.
"""

import pytest
from helpers import ROOT, assert_hint, assert_learner_error, assert_not_answered, assert_passes

REFERENCE = "course_lib.checks.nb14_capstone.reference"
CHECKS = ["nb14-migration", "nb14-endpoints", "nb14-concurrency"]


@pytest.mark.parametrize("exercise_id", CHECKS)
def test_the_reference_package_passes(exercise_id):
    assert_passes(exercise_id, REFERENCE)


def test_the_committed_stubs_are_not_yet_right(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "notebooks"))
    assert_hint("nb14-migration", "booking", contains="after upgrade() there is no table booking")
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
    assert_hint("nb14-endpoints", "nb14_faulty.tz_naive", contains="without an offset")


def test_a_downgrade_that_drops_more_than_it_made_is_named():
    assert_hint("nb14-migration", "nb14_faulty.drops_rooms", contains="dropped the table room")


def test_an_n_plus_one_is_named():
    assert_hint("nb14-endpoints", "nb14_faulty.n_plus_one", contains=("an N+1", "5 statements for 4 rooms"))


def test_a_missing_index_is_named():
    assert_passes("nb14-migration", "nb14_faulty.missing_index")
    assert_hint("nb14-endpoints", "nb14_faulty.missing_index", contains=("Seq Scan", "index"))
    # locking the room (SELECT ... FOR UPDATE) is a right answer to the race, without a constraint
    assert_passes("nb14-concurrency", "nb14_faulty.missing_index")


def test_a_race_on_booking_is_named():
    # one request at a time, checking in Python works, and a B-tree serves the day query...
    assert_passes("nb14-endpoints", "nb14_faulty.race")
    # ...but two at once both find the slot free
    assert_hint("nb14-concurrency", "nb14_faulty.race", contains=("both stored", "a race"))


def test_an_unhandled_exclusion_violation_is_named():
    assert_hint(
        "nb14-endpoints", "nb14_faulty.unhandled_violation", contains="let the IntegrityError through"
    )
    assert_hint("nb14-concurrency", "nb14_faulty.unhandled_violation", contains="(exclusion_violation)")


def test_a_utc_day_is_named():
    assert_hint("nb14-endpoints", "nb14_faulty.utc_day", contains="the bookings of the UTC day")
