"""Query plans drawn as trees, from ``EXPLAIN (ANALYZE, FORMAT JSON)``.

A notebook cell runs ``EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ...``, turns the
document into a :class:`PlanNode` tree with :func:`plan_tree`, asserts the facts
the prose names (``node_types(tree)``) and ends with ``draw_plan(tree, title=...)``.
Each box shows the node's type, its table or index, the estimated against the
actual rows (a misestimate of ``MISESTIMATE_FACTOR`` or more is marked) and its
share of the execution time, rounded: times vary from run to run, so they are
only drawn, never printed. The layout depends on the tree's shape alone.

>>> tree = plan_tree([{"Plan": {"Node Type": "Seq Scan", "Relation Name": "t", "Plan Rows": 10,
...     "Actual Rows": 10, "Actual Loops": 1, "Actual Total Time": 1.0}}])
>>> outline(tree)
'Seq Scan on t'
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from course_lib.plots import BAR_COLOR, HIGHLIGHT_COLOR

MISESTIMATE_FACTOR = 10  # estimated and actual rows this many times apart are marked
INCHES_PER_LEAF = 2.5
INCHES_PER_LEVEL = 1.25


@dataclass(frozen=True)
class PlanNode:
    """One node of a measured plan; rows are per loop, as EXPLAIN reports them."""

    node_type: str
    relation: str | None
    index: str | None
    estimated_rows: float
    actual_rows: float
    loops: int
    total_ms: float  # this node and its children, over all loops
    children: tuple[PlanNode, ...] = field(default=())

    @property
    def name(self) -> str:
        """'Index Scan using purchase_email_idx on purchase', 'Hash Join', ..."""
        text = self.node_type
        if self.index:
            text += f" using {self.index}"
        if self.relation:
            text += f" on {self.relation}"
        return text

    @property
    def self_ms(self) -> float:
        """Time spent in this node alone (its children's time taken off), never below 0."""
        return max(0.0, self.total_ms - sum(child.total_ms for child in self.children))

    @property
    def misestimate(self) -> float:
        """How many times the estimate and the actual rows are apart (1.0 = exact; 0 rows count as 1)."""
        estimated, actual = max(self.estimated_rows, 1.0), max(self.actual_rows, 1.0)
        return max(estimated, actual) / min(estimated, actual)

    @property
    def badly_estimated(self) -> bool:
        return self.misestimate >= MISESTIMATE_FACTOR


AGGREGATE_NAMES = {"Sorted": "GroupAggregate", "Hashed": "HashAggregate", "Mixed": "MixedAggregate"}


def text_name(node: dict) -> str:
    """The node's type as the text form of EXPLAIN names it: 'HashAggregate', 'Index Scan Backward'..."""
    node_type = node["Node Type"]
    if node_type == "Aggregate":
        return AGGREGATE_NAMES.get(node.get("Strategy", ""), node_type)
    if node.get("Scan Direction") == "Backward":
        return f"{node_type} Backward"
    return node_type


def plan_tree(explained: list | dict) -> PlanNode:
    """The tree of an ``EXPLAIN (ANALYZE, FORMAT JSON)`` result: the document, its first item or a "Plan"."""
    if isinstance(explained, list):
        explained = explained[0]
    node = explained.get("Plan", explained)
    if "Actual Loops" not in node:
        raise ValueError("plan_tree() needs EXPLAIN (ANALYZE, FORMAT JSON): this plan has no actual rows")
    loops = int(node["Actual Loops"])
    return PlanNode(
        node_type=text_name(node),
        relation=node.get("Relation Name"),
        index=node.get("Index Name"),
        estimated_rows=float(node["Plan Rows"]),
        actual_rows=float(node["Actual Rows"]),
        loops=loops,
        total_ms=float(node["Actual Total Time"]) * max(loops, 1),
        children=tuple(plan_tree(child) for child in node.get("Plans", [])),
    )


def walk(tree: PlanNode) -> Iterator[PlanNode]:
    """Every node, parents before children, children in plan order."""
    yield tree
    for child in tree.children:
        yield from walk(child)


def node_types(tree: PlanNode) -> list[str]:
    """The node types, parents before children: what a cell asserts about the plan it draws."""
    return [node.node_type for node in walk(tree)]


def outline(tree: PlanNode, depth: int = 0) -> str:
    """The tree as indented text (names only: deterministic), the text alternative of the picture."""
    lines = ["    " * depth + ("-> " if depth else "") + tree.name]
    lines += [outline(child, depth + 1) for child in tree.children]
    return "\n".join(lines)


def time_share(tree: PlanNode, node: PlanNode) -> float:
    """The fraction of the whole plan's time spent in ``node`` alone."""
    return node.self_ms / tree.total_ms if tree.total_ms > 0 else 0.0


def format_rows(rows: float) -> str:
    """12 -> '12', 0.5 -> '0.5', 599931 -> '600k', 1000000 -> '1M'."""
    if rows >= 1_000_000:
        return f"{rows / 1_000_000:.3g}M"
    if rows >= 10_000:
        return f"{rows / 1_000:.3g}k"
    return f"{rows:,.0f}" if rows >= 1 or rows == 0 else f"{rows:.2g}"


def box_label(tree: PlanNode, node: PlanNode) -> str:
    """The text of a node's box: type, table or index, rows estimated vs actual, share of time."""
    lines = [node.node_type]
    if node.index:
        lines.append(f"index {node.index}")
    if node.relation:
        lines.append(f"table {node.relation}")
    rows = f"rows: est. {format_rows(node.estimated_rows)} / actual {format_rows(node.actual_rows)}"
    if node.loops > 1:
        rows += f" × {node.loops:,} loops"
    lines.append(rows)
    if node.badly_estimated:
        lines.append(f"estimate off {node.misestimate:,.0f}×")
    lines.append(f"{round(100 * time_share(tree, node))} % of the time")
    return "\n".join(lines)


def layout(tree: PlanNode) -> dict[int, tuple[float, int]]:
    """(x, depth) per node (keyed by its preorder number): leaves side by side, parents centred."""
    positions: dict[int, tuple[float, int]] = {}
    next_leaf = 0.0
    counter = 0

    def place(node: PlanNode, depth: int) -> float:
        nonlocal next_leaf, counter
        number = counter
        counter += 1
        if node.children:
            xs = [place(child, depth + 1) for child in node.children]
            x = (xs[0] + xs[-1]) / 2
        else:
            x, next_leaf = next_leaf, next_leaf + 1
        positions[number] = (x, depth)
        return x

    place(tree, 0)
    return positions


def draw_plan(tree: PlanNode, *, title: str) -> Figure:
    """The plan as boxes joined top-down (the root, which returns the rows, at the top).

    A box whose estimate is ``MISESTIMATE_FACTOR`` times off or more has an orange frame;
    the darker a box, the larger its share of the time.
    """
    nodes = list(walk(tree))
    positions = layout(tree)
    width = max(x for x, _ in positions.values()) + 1
    depth = max(d for _, d in positions.values()) + 1
    figure, axes = plt.subplots(
        figsize=(max(4.0, INCHES_PER_LEAF * width), 0.6 + INCHES_PER_LEVEL * depth), layout="constrained"
    )
    plt.close(figure)  # not shown again at the end of the cell: the caller displays it
    number_of = {id(node): number for number, node in enumerate(nodes)}
    for number, node in enumerate(nodes):
        x, d = positions[number]
        for child in node.children:
            cx, cd = positions[number_of[id(child)]]
            axes.plot([x, cx], [-d, -cd], color="#999999", linewidth=1, zorder=1)
    for number, node in enumerate(nodes):
        x, d = positions[number]
        share = time_share(tree, node)
        axes.text(
            x,
            -d,
            box_label(tree, node),
            ha="center",
            va="center",
            fontsize=8,
            color="white" if share >= 0.5 else "black",
            zorder=2,
            bbox={
                "boxstyle": "round,pad=0.4",
                "facecolor": BAR_COLOR if share >= 0.5 else "#dce6f0" if share >= 0.1 else "white",
                "edgecolor": HIGHLIGHT_COLOR if node.badly_estimated else BAR_COLOR,
                "linewidth": 3 if node.badly_estimated else 1,
            },
        )
    axes.set_xlim(-0.6, width - 0.4)
    axes.set_ylim(-depth + 0.45, 0.55)
    axes.axis("off")
    axes.set_title(title, loc="left")
    return figure
