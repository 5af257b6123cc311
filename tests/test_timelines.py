"""course_lib.timelines: steps recorded from several threads, and the picture drawn from them."""

from __future__ import annotations

import io
import threading

import matplotlib
import pytest

matplotlib.use("Agg")

from matplotlib import pyplot as plt
from matplotlib.colors import to_hex

from course_lib.plots import BAR_COLOR, HIGHLIGHT_COLOR
from course_lib.timelines import FAILED_COLOR, Timeline


class DriverError(Exception):
    pass


class WrappedError(Exception):
    """Like SQLAlchemy's DBAPIError: the driver's exception in ``.orig``."""

    def __init__(self, orig: BaseException) -> None:
        super().__init__(str(orig))
        self.orig = orig


def recorded_wait() -> Timeline:
    """Bob's step starts in a thread, is marked waiting for Alice, and ends after Alice's step."""
    timeline = Timeline("alice", "bob")
    bob_started, alice_done = threading.Event(), threading.Event()

    def bob() -> None:
        with timeline.step("bob", "SELECT ... FOR UPDATE"):
            bob_started.set()
            assert alice_done.wait(10)
        with timeline.step("bob", "COMMIT"):
            pass

    thread = threading.Thread(target=bob)
    thread.start()
    assert bob_started.wait(10)
    timeline.waiting("bob", "alice")
    with timeline.step("alice", "COMMIT"):
        pass
    alice_done.set()
    thread.join(10)
    return timeline


def test_steps_are_listed_in_the_order_they_started_with_whom_they_waited_for():
    timeline = recorded_wait()
    assert timeline.lines() == [
        "bob: SELECT ... FOR UPDATE (waits for alice)",
        "alice: COMMIT",
        "bob: COMMIT",
    ]
    assert timeline.lines("bob") == ["bob: SELECT ... FOR UPDATE (waits for alice)", "bob: COMMIT"]
    assert timeline.waits() == [("bob", "alice")]
    assert timeline.ended_before("alice: COMMIT", "bob: COMMIT")
    assert all(step.end is not None and step.end >= step.start for step in timeline.steps)


def test_a_failing_step_is_marked_with_the_drivers_error_and_the_error_goes_on():
    timeline = Timeline("bob")
    with pytest.raises(WrappedError), timeline.step("bob", "UPDATE account 1"):
        raise WrappedError(DriverError("deadlock detected"))
    with pytest.raises(ValueError), timeline.step("bob", "work"):
        raise ValueError("plain")
    assert timeline.lines() == ["bob: UPDATE account 1 -> DriverError", "bob: work -> ValueError"]


def test_the_label_can_be_completed_inside_the_step():
    timeline = Timeline("alice")
    with timeline.step("alice", "SELECT") as step:
        step.label += ": reads 100"
    assert timeline.lines() == ["alice: SELECT: reads 100"]


def test_mistakes_are_reported():
    with pytest.raises(ValueError, match="distinct"):
        Timeline("alice", "alice")
    with pytest.raises(ValueError, match="distinct"):
        Timeline()
    timeline = Timeline("alice", "bob")
    with pytest.raises(ValueError, match="unknown lane 'carol'"):
        with timeline.step("carol", "x"):
            pass
    with pytest.raises(ValueError, match="0 running steps"):
        timeline.waiting("bob", "alice")  # bob is not running anything
    with timeline.step("bob", "x"), pytest.raises(ValueError, match="unknown lane"):
        timeline.waiting("bob", "carol")
    with pytest.raises(ValueError, match="ended"):
        Timeline("alice").draw("nothing recorded")


def test_the_drawing_shows_one_bar_per_step_in_its_lane_coloured_by_what_it_did():
    timeline = recorded_wait()
    with pytest.raises(WrappedError), timeline.step("alice", "UPDATE"):
        raise WrappedError(DriverError("x"))
    before = plt.get_fignums()
    figure = timeline.draw("FOR UPDATE")
    assert plt.get_fignums() == before  # closed in pyplot: the cell displays it once
    (axes,) = figure.axes
    assert axes.get_title(loc="left") == "FOR UPDATE"
    assert [tick.get_text() for tick in axes.get_yticklabels()] == ["alice", "bob"]
    bars = axes.collections  # one broken_barh per step, lane by lane
    assert len(bars) == len(timeline.steps) == 4
    lanes = [round(bar.get_paths()[0].vertices[:, 1].mean()) for bar in bars]
    assert lanes == [0, 0, 1, 1]  # alice's two steps, then bob's two
    colors = [to_hex(bar.get_facecolor()[0]) for bar in bars]
    assert colors == [BAR_COLOR.lower(), FAILED_COLOR.lower(), HIGHLIGHT_COLOR.lower(), BAR_COLOR.lower()]
    labels = [text.get_text() for text in axes.texts]
    assert labels == ["COMMIT", "UPDATE: DriverError", "SELECT ... FOR UPDATE, waits for alice", "COMMIT"]
    png = io.BytesIO()
    figure.savefig(png, format="png")
    assert png.getvalue().startswith(b"\x89PNG")
