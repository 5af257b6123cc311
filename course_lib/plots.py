"""Charts for the course's measured results, all in one plain style.

Timings vary from run to run, so notebooks keep them out of their compared text
output and show them as a chart instead (nbval does not compare images).  A
chart here is a :class:`matplotlib.figure.Figure`, already closed in pyplot:
ending a notebook cell with it displays it exactly once.

>>> bar_chart({"ORM add_all": 21_000, "COPY": 640_000}, title="Bulk loading", unit="rows per second")
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

BAR_COLOR = "#336791"  # PostgreSQL blue
HIGHLIGHT_COLOR = "#e8a33d"
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
