"""Every picture in the course comes with a text alternative: a title, and printed text in its cell.

A picture is never the only place a fact is stated (issue 15): each is drawn by a ``course_lib``
helper that requires a title, and the cell prints what the picture shows (the summary, the plan or
the timeline as text, or the asserted claim) before it.
"""

from __future__ import annotations

import inspect

import nbformat
import pytest
from helpers import ROOT

from course_lib.diagrams import draw_data_model
from course_lib.plan_tree import draw_plan
from course_lib.plots import bar_chart, growth_chart
from course_lib.timelines import Timeline

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
HELPERS = {"bar_chart(": bar_chart, "growth_chart(": growth_chart, "draw_plan(": draw_plan}
HELPERS |= {"draw_data_model(": draw_data_model, ".draw(": Timeline.draw}


def pictures(path):
    for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
        outputs = cell.get("outputs", [])
        for number, output in enumerate(outputs):
            if "image/png" in output.get("data", {}):
                yield index, cell.source, outputs[:number]


@pytest.mark.parametrize("name, helper", HELPERS.items())
def test_every_drawing_helper_requires_a_title(name, helper):
    title = inspect.signature(helper).parameters["title"]
    assert title.default is inspect.Parameter.empty, name


def test_the_course_has_pictures_and_each_has_a_titled_helper_and_printed_text():
    seen = 0
    for path in NOTEBOOKS:
        for index, source, before in pictures(path):
            where = f"{path.name}, cell {index}"
            assert any(name in source for name in HELPERS), f"{where}: not drawn by a course_lib helper"
            printed = "".join("".join(o["text"]) for o in before if o["output_type"] == "stream")
            assert printed.strip(), (
                f"{where}: the picture has no printed text before it (its text alternative)"
            )
            seen += 1
    assert seen >= 20  # 01, 02, 03, 07, 09, 11 and 12 draw pictures
