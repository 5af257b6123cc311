"""Lock and transaction timelines: what each session did, and who waited for whom.

A notebook cell records the steps of two or three sessions while they really run
(from several threads), then draws them as lanes over time. The *order* of the
steps is what the lesson is about, and the cell makes it deterministic with
explicit synchronisation (a ``threading.Event``, a ``Barrier``, waiting until
``pg_stat_activity`` reports a lock wait); the times vary from run to run, so
they are only drawn, never printed.

>>> timeline = Timeline("alice", "bob")
>>> with timeline.step("alice", "UPDATE row 1"):
...     pass
>>> timeline.lines()
['alice: UPDATE row 1']
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from course_lib.plots import BAR_COLOR, HIGHLIGHT_COLOR, WIDTH_INCHES

FAILED_COLOR = "#c0392b"
LANE_INCHES = 0.9
LEGEND_INCHES = 0.4
MIN_WIDTH_SHARE = 0.012  # a step too short to see is drawn this share of the whole run wide


@dataclass
class Step:
    """One thing a session did: a statement, a COMMIT, a piece of Python work."""

    lane: str
    label: str
    start: float  # time.monotonic(), seconds
    end: float | None = None  # None while it runs
    waited_for: str | None = None  # the lane it was seen waiting for
    failed: str | None = None  # the exception's class name, when it raised

    def describe(self) -> str:
        text = f"{self.lane}: {self.label}"
        if self.waited_for is not None:
            text += f" (waits for {self.waited_for})"
        if self.failed is not None:
            text += f" -> {self.failed}"
        return text


class Timeline:
    """The steps of some sessions (lanes), recorded from any thread, in the order they started."""

    def __init__(self, *lanes: str) -> None:
        if not lanes or len(set(lanes)) != len(lanes):
            raise ValueError("Timeline() needs one or more distinct lane names")
        self.lanes = lanes
        self.steps: list[Step] = []
        self._lock = threading.Lock()

    def _check_lane(self, lane: str) -> None:
        if lane not in self.lanes:
            raise ValueError(f"unknown lane {lane!r}; the lanes are {', '.join(self.lanes)}")

    @contextmanager
    def step(self, lane: str, label: str) -> Iterator[Step]:
        """Record a step that lasts as long as the block; an exception marks it failed (and goes on)."""
        self._check_lane(lane)
        with self._lock:
            step = Step(lane, label, start=time.monotonic())
            self.steps.append(step)
        try:
            yield step
        except BaseException as error:
            step.failed = type(getattr(error, "orig", None) or error).__name__
            raise
        finally:
            step.end = time.monotonic()

    def running(self, lane: str) -> Step:
        """The lane's step that has started and not ended (exactly one)."""
        with self._lock:
            open_steps = [s for s in self.steps if s.lane == lane and s.end is None]
        if len(open_steps) != 1:
            raise ValueError(f"lane {lane!r} has {len(open_steps)} running steps, not 1")
        return open_steps[0]

    def waiting(self, lane: str, waits_for: str) -> None:
        """Mark the lane's running step as waiting for another lane (as the server reported)."""
        self._check_lane(waits_for)
        self.running(lane).waited_for = waits_for

    def lines(self, lane: str | None = None) -> list[str]:
        """One line per step in the order the steps started (of one lane, if given)."""
        return [s.describe() for s in self.steps if lane is None or s.lane == lane]

    def waits(self) -> list[tuple[str, str]]:
        """(waiting lane, lane waited for) for every step that waited, in order."""
        return [(s.lane, s.waited_for) for s in self.steps if s.waited_for is not None]

    def ended_before(self, first: str, then: str) -> bool:
        """Did step ``first`` end no later than step ``then``? (Both named as :meth:`lines` prints them.)"""
        by_text = {s.describe(): s for s in self.steps}
        a, b = by_text[first], by_text[then]
        if a.end is None or b.end is None:
            raise ValueError("both steps must have ended")
        return a.end <= b.end

    def draw(self, title: str) -> Figure:
        """The lanes over time: steps run (blue), wait (orange, hatched, saying for whom) or fail (red)."""
        if not self.steps or any(s.end is None for s in self.steps):
            raise ValueError("draw() needs recorded steps that have all ended")
        origin = min(s.start for s in self.steps)
        total = max(s.end for s in self.steps if s.end is not None) - origin
        min_width = max(total, 1e-6) * MIN_WIDTH_SHARE
        figure, axes = plt.subplots(
            figsize=(WIDTH_INCHES, 1.4 + LEGEND_INCHES + LANE_INCHES * len(self.lanes)), layout="constrained"
        )
        plt.close(figure)  # the caller displays it
        for row, lane in enumerate(self.lanes):
            lane_steps = [s for s in self.steps if s.lane == lane]
            for index, step in enumerate(lane_steps):
                assert step.end is not None
                start_ms = (step.start - origin) * 1000
                width_ms = max(step.end - step.start, min_width) * 1000
                color = FAILED_COLOR if step.failed else HIGHLIGHT_COLOR if step.waited_for else BAR_COLOR
                hatch = "//" if step.waited_for is not None else None
                axes.broken_barh(
                    [(start_ms, width_ms)], (row - 0.3, 0.6), facecolors=color, hatch=hatch, edgecolor="white"
                )
                label = (
                    step.label if step.waited_for is None else f"{step.label}, waits for {step.waited_for}"
                )
                if step.failed is not None:
                    label += f": {step.failed}"
                offset = -0.34 if index % 2 == 0 else 0.5  # alternate above/below to limit overlaps
                axes.text(start_ms, row + offset, label, fontsize=7.5, va="center")
        axes.set_yticks(range(len(self.lanes)), self.lanes)
        axes.set_ylim(len(self.lanes) - 0.3, -0.7)  # first lane on top
        axes.set_xlim(0, total * 1000 * 1.25 + 1e-3)
        axes.set_xlabel("milliseconds since the first step (this run's timing; only the order is fixed)")
        axes.set_title(title, loc="left")
        figure.legend(
            handles=[
                Patch(facecolor=BAR_COLOR, label="runs"),
                Patch(facecolor=HIGHLIGHT_COLOR, hatch="//", label="waits for a lock"),
                Patch(facecolor=FAILED_COLOR, label="fails (hatched: after waiting)"),
            ],
            loc="outside lower center",
            ncol=3,
            fontsize=7.5,
            frameon=False,
        )
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        return figure
