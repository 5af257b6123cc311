"""Data-model diagrams: tables, key columns and foreign keys, drawn from a ``MetaData``.

The picture is computed from the schema itself, so it cannot drift from the code:
:func:`data_model` reads the models' ``MetaData`` (``SQLModel.metadata``), and
:func:`data_model_from_catalog` reads what PostgreSQL really has (via reflection); both
live in :mod:`course_lib.diagram_model`. :func:`draw_data_model` turns either into a
matplotlib figure, already closed in pyplot, so ending a notebook cell with it displays it once.

>>> model = data_model(SQLModel.metadata)
>>> print(model.summary())
>>> draw_data_model(model, title="The course's tables")
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from course_lib.diagram_model import (
    DataModel,
    KeyColumn,
    Relation,
    TableBox,
    data_model,
    data_model_from_catalog,
)

__all__ = [
    "DataModel",
    "KeyColumn",
    "Relation",
    "TableBox",
    "data_model",
    "data_model_from_catalog",
    "draw_data_model",
]

TABLE_COLOR = "#336791"  # PostgreSQL blue, as in course_lib.plots
LINK_COLOR = "#e8a33d"
BOX_WIDTH = 3.8
LINE_HEIGHT = 0.32
COLUMN_GAP = 1.6
ROW_GAP = 0.5
LANE_GAP = 0.3  # between the lanes under the boxes that carry foreign keys across a column
INCHES_PER_UNIT = 0.62


def _levels(model: DataModel) -> dict[str, int]:
    """Parents to the left: a table's column is one more than its furthest parent's."""
    parents = {
        t.name: {r.parent for r in model.relations if r.child == t.name and r.parent != t.name}
        for t in model.tables
    }
    level: dict[str, int] = {}

    def depth(name: str, seen: frozenset[str]) -> int:
        if name not in level:
            above = [depth(p, seen | {name}) for p in sorted(parents[name]) if p not in seen]
            level[name] = 1 + max(above, default=-1)
        return level[name]

    for name in sorted(parents):
        depth(name, frozenset())
    # then each parent moves right, next to its nearest child (fewer lines across other boxes)
    for name in sorted(level, key=lambda n: (-level[n], n)):
        children = [child for child, above in parents.items() if name in above]
        if children:
            level[name] = max(level[name], min(level[child] for child in children) - 1)
    return level


def draw_data_model(model: DataModel, *, title: str) -> Figure:
    """Boxes for the tables (link tables in a second colour), a line per foreign key.

    Each line is labelled at both ends with its cardinality: next to the parent how many
    parents a child row has ('1', or '0..1' for a nullable key), next to the child how many
    children a parent row has ('*', or '0..1' when the key is unique: one-to-one).
    """
    if not model.tables:
        raise ValueError("draw_data_model() needs at least one table")
    level = _levels(model)
    heights = {t.name: LINE_HEIGHT * (len(t.columns) + 1.6 + (t.other_columns > 0)) for t in model.tables}
    place: dict[str, tuple[float, float]] = {}  # top-left corner of each box
    for column in sorted(set(level.values())):
        top = 0.0
        for name in sorted(n for n in level if level[n] == column):
            place[name] = (column * (BOX_WIDTH + COLUMN_GAP), top)
            top -= heights[name] + ROW_GAP
    width = (max(level.values()) + 1) * (BOX_WIDTH + COLUMN_GAP)
    depth = max(-y + heights[name] for name, (_, y) in place.items())
    # a foreign key that skips a column goes round the boxes in between, along a lane under them all
    long_spans = [r for r in model.relations if level[r.child] - level[r.parent] > 1]
    bottom = depth + LANE_GAP * len(long_spans)
    figure, axes = plt.subplots(
        figsize=(max(6.0, width * INCHES_PER_UNIT), max(2.0, (bottom + 0.5) * INCHES_PER_UNIT + 0.5)),
        layout="constrained",
    )
    plt.close(figure)
    axes.set_xlim(-0.2, width - COLUMN_GAP + 0.2)
    axes.set_ylim(-bottom - 0.2, 0.7 if any(r.child == r.parent for r in model.relations) else 0.2)
    axes.axis("off")
    axes.set_title(title, loc="left")

    for table in model.tables:
        x, y = place[table.name]
        color = LINK_COLOR if table.link_table else TABLE_COLOR
        box = FancyBboxPatch(
            (x, y - heights[table.name]), BOX_WIDTH, heights[table.name],
            boxstyle="round,pad=0.02", facecolor="white", edgecolor=color, linewidth=1.5,
        )  # fmt: skip
        axes.add_patch(box)
        header = f"{table.name}  (link table)" if table.link_table else table.name
        axes.text(x + 0.1, y - LINE_HEIGHT * 0.7, header, weight="bold", color=color, fontsize=9, va="center")
        lines = [c.label for c in table.columns]
        if table.other_columns:
            lines.append(f"… {table.other_columns} more column{'s' if table.other_columns > 1 else ''}")
        for n, line in enumerate(lines):
            axes.text(x + 0.1, y - LINE_HEIGHT * (n + 1.8), line, family="monospace", fontsize=7, va="center")

    incoming = {
        t.name: [r for r in model.relations if r.parent == t.name and r.child != t.name] for t in model.tables
    }
    outgoing = {
        t.name: [r for r in model.relations if r.child == t.name and r.parent != t.name] for t in model.tables
    }

    def spread(name: str, relation: Relation, ends: dict[str, list[Relation]]) -> float:
        """Lines meeting one box side are spread evenly along it."""
        top = place[name][1]
        if relation not in ends[name]:
            return top - heights[name] / 2
        share = heights[name] / (len(ends[name]) + 1)
        return top - share * (ends[name].index(relation) + 1)

    for relation in model.relations:
        cx, _ = place[relation.child]
        px, _ = place[relation.parent]
        child_mid = spread(relation.child, relation, outgoing)
        parent_mid = spread(relation.parent, relation, incoming)
        if relation.child == relation.parent:  # self-reference: a loop over the box's top edge
            _, top = place[relation.child]
            start, end = (cx + BOX_WIDTH - 1.4, top), (cx + BOX_WIDTH - 0.5, top)
            axes.annotate(
                "", xy=end, xytext=start,
                arrowprops={"arrowstyle": "-|>", "connectionstyle": "arc3,rad=-0.9", "color": "0.3", "lw": 1},
            )  # fmt: skip
            axes.text(end[0] + 0.08, top + 0.12, relation.parent_end, fontsize=8, color="0.2")
            axes.text(start[0] - 0.08, top + 0.12, relation.child_end, fontsize=8, color="0.2", ha="right")
            continue
        start = (cx, child_mid)  # the child's left edge
        end = (px + BOX_WIDTH, parent_mid)  # the parent's right edge
        axes.text(end[0] + 0.08, end[1] + 0.08, relation.parent_end, fontsize=8, color="0.2")
        axes.text(start[0] - 0.08, start[1] + 0.08, relation.child_end, fontsize=8, color="0.2", ha="right")
        if relation in long_spans:  # out into the gap, down to its lane, along it, up the parent's gap
            n = long_spans.index(relation)
            lane, offset = -depth - LANE_GAP * (n + 1), COLUMN_GAP * max(0.15, 0.5 - 0.12 * n)
            xs = [start[0], start[0] - offset, start[0] - offset, end[0] + offset, end[0] + offset]
            axes.plot(xs, [start[1], start[1], lane, lane, end[1]], color="0.3", lw=1)
            start = (end[0] + offset, end[1])
        axes.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "-|>", "color": "0.3", "lw": 1})
    return figure
