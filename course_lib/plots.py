"""Charts for the course's measured results, all in one plain style.

Timings vary from run to run, so notebooks keep them out of their compared text
output and show them as a chart instead (nbval does not compare images).  A
chart here is a :class:`matplotlib.figure.Figure`, already closed in pyplot:
ending a notebook cell with it displays it exactly once.

>>> bar_chart({"ORM add_all": 21_000, "COPY": 640_000}, title="Bulk loading", unit="rows per second")
>>> growth_chart([1, 100, 1000], {"OFFSET": [0.2, 1.1, 9.8], "keyset": [0.2, 0.2, 0.2]},
...              title="Cost per page", x_label="page number", y_label="milliseconds", log_x=True)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

BAR_COLOR = "#336791"  # PostgreSQL blue
HIGHLIGHT_COLOR = "#e8a33d"
SERIES_COLORS = (BAR_COLOR, HIGHLIGHT_COLOR, "#5a9e6f", "#b5485d", "#7f7f7f")
MARKERS = ("o", "s", "^", "D", "v")
WIDTH_INCHES = 7.0
INCHES_PER_BAR = 0.55


def format_number(value: float) -> str:
    """A short human label: 640,000 -> '640k', 1,250,000 -> '1.2M', 0.153 -> '0.15'."""
    magnitude = abs(value)
    if magnitude >= 1_000_000:
        return f"{value / 1_000_000:.3g}M"
    if magnitude >= 10_000:
        return f"{value / 1_000:.3g}k"
    if magnitude >= 100:
        return f"{value:,.0f}"
    return f"{value:.2g}"


def bar_chart(
    values: Mapping[str, float],
    *,
    title: str,
    unit: str,
    log: bool = False,
    highlight: str | None = None,
) -> Figure:
    """One horizontal bar per label, in the order given, each labelled with its value.

    - ``unit`` names the x axis (e.g. "rows per second", "milliseconds, median of 7 runs");
    - ``log=True`` uses a logarithmic x axis, for values that differ by orders of magnitude;
    - ``highlight`` names one bar to draw in a second colour.
    """
    if not values:
        raise ValueError("bar_chart() needs at least one value")
    if highlight is not None and highlight not in values:
        raise ValueError(f"highlight={highlight!r} is not one of the labels: {', '.join(values)}")
    if any(v < 0 for v in values.values()) or (log and any(v <= 0 for v in values.values())):
        raise ValueError("bar_chart() draws positive values only (log scales need values above 0)")

    labels = list(values)
    numbers = [float(values[label]) for label in labels]
    height = 1.2 + INCHES_PER_BAR * len(labels)
    # pyplot (not a bare Figure) so that Jupyter's inline backend, which it loads, renders the chart.
    figure, axes = plt.subplots(figsize=(WIDTH_INCHES, height), layout="constrained")
    plt.close(figure)  # not shown again at the end of the cell: the caller displays it
    colors = [HIGHLIGHT_COLOR if label == highlight else BAR_COLOR for label in labels]
    positions = range(len(labels))
    bars = axes.barh(positions, numbers, color=colors)
    axes.set_yticks(list(positions), labels)
    axes.invert_yaxis()  # first label on top, as in a table
    axes.bar_label(bars, labels=[format_number(n) for n in numbers], padding=4)
    if log:
        axes.set_xscale("log")
    else:
        axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: format_number(x)))
    axes.margins(x=0.15)
    axes.set_title(title, loc="left")
    axes.set_xlabel(unit)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    return figure


def growth_chart(
    x: Sequence[float],
    series: Mapping[str, Sequence[float]],
    *,
    title: str,
    x_label: str,
    y_label: str,
    log_x: bool = False,
    log_y: bool = False,
) -> Figure:
    """How a cost grows with the work: one line per series over the same ``x`` values.

    Each series is drawn in the order given (its own colour and marker, named in the
    legend), and its last point is labelled with its value, so the end of each curve
    reads without the axis. ``log_x`` / ``log_y`` use logarithmic axes, for work that
    grows by orders of magnitude (page 1, 10, 100, 1,000...).
    """
    points = [float(value) for value in x]
    if not points or not series:
        raise ValueError("growth_chart() needs at least one x value and one series")
    if len(series) > len(SERIES_COLORS):
        raise ValueError(f"growth_chart() draws at most {len(SERIES_COLORS)} series")
    if any(later <= earlier for earlier, later in pairwise(points)):
        raise ValueError("growth_chart() needs increasing x values")
    for name, values in series.items():
        if len(values) != len(points):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(points)} x values")
    every_value = [float(v) for values in series.values() for v in values]
    if any(v < 0 for v in every_value) or (log_y and any(v <= 0 for v in every_value)):
        raise ValueError("growth_chart() draws positive values only (log scales need values above 0)")
    if log_x and any(p <= 0 for p in points):
        raise ValueError("growth_chart() needs x values above 0 on a log x axis")

    figure, axes = plt.subplots(figsize=(WIDTH_INCHES, 4.0), layout="constrained")
    plt.close(figure)  # not shown again at the end of the cell: the caller displays it
    for (name, values), color, marker in zip(series.items(), SERIES_COLORS, MARKERS, strict=False):
        numbers = [float(v) for v in values]
        axes.plot(points, numbers, color=color, marker=marker, label=name)
        axes.annotate(
            format_number(numbers[-1]),
            (points[-1], numbers[-1]),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            color=color,
        )
    if log_x:
        axes.set_xscale("log")
    if log_y:
        axes.set_yscale("log")
    for axis in (axes.xaxis, axes.yaxis):
        axis.set_major_formatter(FuncFormatter(lambda value, _pos: format_number(value)))
    axes.margins(x=0.12)
    axes.set_title(title, loc="left")
    axes.set_xlabel(x_label)
    axes.set_ylabel(y_label)
    axes.legend(frameon=False)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    return figure
