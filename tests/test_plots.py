"""course_lib.plots: the bar chart and the growth chart the notebooks use for measured results."""

from __future__ import annotations

import io

import matplotlib
import pytest

matplotlib.use("Agg")

from matplotlib import pyplot as plt
from matplotlib.figure import Figure

from course_lib.plots import BAR_COLOR, HIGHLIGHT_COLOR, bar_chart, format_number, growth_chart


@pytest.mark.parametrize(
    ("value", "label"),
    [
        (0.153, "0.15"),
        (3.3, "3.3"),
        (296.4, "296"),
        (3582.2, "3,582"),
        (21_800, "21.8k"),
        (1_250_000, "1.25M"),
    ],
)
def test_format_number(value, label):
    assert format_number(value) == label


def test_bar_chart_draws_one_labelled_bar_per_value_in_order():
    values = {"ORM add_all()": 4_000.0, "Core insert()": 30_000.0, "COPY": 140_000.0}
    figure = bar_chart(values, title="Loading rows", unit="rows per second", highlight="COPY")
    assert isinstance(figure, Figure)
    (axes,) = figure.axes
    bars = axes.patches
    assert [bar.get_width() for bar in bars] == list(values.values())
    assert [tick.get_text() for tick in axes.get_yticklabels()] == list(values)
    assert axes.get_title(loc="left") == "Loading rows"
    assert axes.get_xlabel() == "rows per second"
    colors = [matplotlib.colors.to_hex(bar.get_facecolor()) for bar in bars]
    assert colors == [BAR_COLOR.lower()] * 2 + [HIGHLIGHT_COLOR.lower()]
    assert [text.get_text() for text in axes.texts] == ["4,000", "30k", "140k"]
    # first label on top, as in a table
    assert bars[0].get_y() < bars[-1].get_y() and axes.yaxis_inverted()


def test_bar_chart_is_closed_in_pyplot_and_renders():
    before = plt.get_fignums()
    figure = bar_chart({"a": 1.0, "b": 2.0}, title="t", unit="u")
    assert plt.get_fignums() == before  # closed: a notebook shows it once, when the cell returns it
    png = io.BytesIO()
    figure.savefig(png, format="png")
    assert png.getvalue().startswith(b"\x89PNG")


def test_bar_chart_log_scale():
    figure = bar_chart({"sequential scan": 180.0, "index": 0.2}, title="t", unit="ms", log=True)
    assert figure.axes[0].get_xscale() == "log"


@pytest.mark.parametrize(
    ("values", "options", "message"),
    [
        ({}, {}, "at least one value"),
        ({"a": 1.0}, {"highlight": "b"}, "not one of the labels"),
        ({"a": -1.0}, {}, "positive values"),
        ({"a": 0.0}, {"log": True}, "positive values"),
    ],
)
def test_bar_chart_rejects_bad_input(values, options, message):
    with pytest.raises(ValueError, match=message):
        bar_chart(values, title="t", unit="u", **options)


def test_growth_chart_draws_each_series_over_the_same_x_in_order():
    pages = [1, 10, 100, 1000]
    series = {"OFFSET": [0.3, 0.4, 1.2, 9.5], "keyset": [0.3, 0.3, 0.3, 0.31]}
    figure = growth_chart(
        pages, series, title="Time per page", x_label="page number", y_label="ms", log_x=True, log_y=True
    )
    assert isinstance(figure, Figure)
    (axes,) = figure.axes
    lines = axes.get_lines()
    assert [list(line.get_xdata()) for line in lines] == [pages, pages]
    assert [list(line.get_ydata()) for line in lines] == list(series.values())
    assert [text.get_text() for text in axes.get_legend().get_texts()] == list(series)
    assert [matplotlib.colors.to_hex(line.get_color()) for line in lines] == [
        BAR_COLOR.lower(),
        HIGHLIGHT_COLOR.lower(),
    ]
    assert [text.get_text() for text in axes.texts] == ["9.5", "0.31"]  # each curve's last value
    assert axes.get_title(loc="left") == "Time per page"
    assert (axes.get_xlabel(), axes.get_ylabel()) == ("page number", "ms")
    assert (axes.get_xscale(), axes.get_yscale()) == ("log", "log")


def test_growth_chart_is_closed_in_pyplot_and_renders():
    before = plt.get_fignums()
    figure = growth_chart([1, 2], {"a": [1.0, 2.0]}, title="t", x_label="x", y_label="y")
    assert plt.get_fignums() == before
    assert figure.axes[0].get_xscale() == "linear"
    png = io.BytesIO()
    figure.savefig(png, format="png")
    assert png.getvalue().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("x", "series", "options", "message"),
    [
        ([], {"a": []}, {}, "at least one x value"),
        ([1], {}, {}, "at least one x value"),
        ([2, 1], {"a": [1.0, 2.0]}, {}, "increasing x values"),
        ([1, 2], {"a": [1.0]}, {}, "has 1 values for 2 x values"),
        ([1, 2], {"a": [1.0, -2.0]}, {}, "positive values"),
        ([1, 2], {"a": [0.0, 2.0]}, {"log_y": True}, "positive values"),
        ([0, 2], {"a": [1.0, 2.0]}, {"log_x": True}, "above 0 on a log x axis"),
        ([1], {name: [1.0] for name in "abcdef"}, {}, "at most 5 series"),
    ],
)
def test_growth_chart_rejects_bad_input(x, series, options, message):
    with pytest.raises(ValueError, match=message):
        growth_chart(x, series, title="t", x_label="x", y_label="y", **options)
