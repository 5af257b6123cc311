"""course_lib.plan_tree: a plan drawn as a tree shows exactly the nodes, rows and shares of its EXPLAIN."""

from __future__ import annotations

import matplotlib
import pytest

matplotlib.use("Agg")

from course_lib.plan_tree import (
    HIGHLIGHT_COLOR,
    box_label,
    draw_plan,
    format_rows,
    layout,
    node_types,
    outline,
    plan_tree,
    time_share,
    walk,
)

# EXPLAIN (ANALYZE, FORMAT JSON) of a hash join, shortened to the keys the tree reads
HASH_JOIN = [
    {
        "Plan": {
            "Node Type": "Hash Join",
            "Plan Rows": 100,
            "Actual Rows": 5000,
            "Actual Loops": 1,
            "Actual Total Time": 10.0,
            "Plans": [
                {
                    "Node Type": "Seq Scan",
                    "Relation Name": "purchase",
                    "Plan Rows": 1000,
                    "Actual Rows": 1000,
                    "Actual Loops": 1,
                    "Actual Total Time": 6.0,
                },
                {
                    "Node Type": "Hash",
                    "Plan Rows": 50,
                    "Actual Rows": 50,
                    "Actual Loops": 1,
                    "Actual Total Time": 2.0,
                    "Plans": [
                        {
                            "Node Type": "Index Scan",
                            "Relation Name": "customer",
                            "Index Name": "customer_pkey",
                            "Plan Rows": 50,
                            "Actual Rows": 0.5,
                            "Actual Loops": 4,
                            "Actual Total Time": 0.25,
                        }
                    ],
                },
            ],
        }
    }
]


def test_tree_has_the_plans_nodes_in_order_with_their_tables_and_indexes():
    tree = plan_tree(HASH_JOIN)
    assert node_types(tree) == ["Hash Join", "Seq Scan", "Hash", "Index Scan"]
    assert outline(tree) == (
        "Hash Join\n    -> Seq Scan on purchase\n    -> Hash\n"
        "        -> Index Scan using customer_pkey on customer"
    )
    assert plan_tree(HASH_JOIN[0]) == plan_tree(HASH_JOIN[0]["Plan"]) == tree


def test_times_are_per_node_and_over_all_loops():
    tree = plan_tree(HASH_JOIN)
    join, _scan, hash_node, index_scan = walk(tree)
    assert index_scan.total_ms == 1.0  # 0.25 ms x 4 loops
    assert hash_node.self_ms == 1.0
    assert join.self_ms == 2.0  # 10 - 6 - 2
    assert [round(time_share(tree, node), 2) for node in walk(tree)] == [0.2, 0.6, 0.1, 0.1]


def test_a_large_misestimate_is_marked_and_a_small_one_is_not():
    tree = plan_tree(HASH_JOIN)
    join, scan, _hash_node, index_scan = walk(tree)
    assert join.misestimate == 50 and join.badly_estimated
    assert "estimate off 50×" in box_label(tree, join)
    assert not scan.badly_estimated and "estimate off" not in box_label(tree, scan)
    assert index_scan.misestimate == 50  # 0.5 rows per loop count as 1
    assert "× 4 loops" in box_label(tree, index_scan)


def test_plain_explain_without_analyze_is_refused():
    with pytest.raises(ValueError, match="ANALYZE"):
        plan_tree([{"Plan": {"Node Type": "Seq Scan", "Plan Rows": 1}}])


@pytest.mark.parametrize(
    ("rows", "text"), [(0, "0"), (0.5, "0.5"), (12, "12"), (599_931, "600k"), (1e6, "1M")]
)
def test_format_rows(rows, text):
    assert format_rows(rows) == text


def test_layout_depends_on_the_shape_alone():
    tree = plan_tree(HASH_JOIN)
    assert layout(tree) == {0: (0.5, 0), 1: (0.0, 1), 2: (1.0, 1), 3: (1.0, 2)}


def test_the_picture_shows_one_box_per_node_with_its_label_and_marks_the_misestimate():
    tree = plan_tree(HASH_JOIN)
    figure = draw_plan(tree, title="A hash join")
    (axes,) = figure.axes
    assert axes.get_title(loc="left") == "A hash join"
    texts = [text.get_text() for text in axes.texts]
    assert texts == [box_label(tree, node) for node in walk(tree)]
    frames = [text.get_bbox_patch() for text in axes.texts]
    marked = [matplotlib.colors.to_hex(frame.get_edgecolor()) == HIGHLIGHT_COLOR for frame in frames]
    assert marked == [node.badly_estimated for node in walk(tree)] == [True, False, False, True]
    assert len(axes.lines) == 3  # one edge per child


def test_node_types_are_named_as_in_the_text_form_of_explain():
    def named(**keys):
        return plan_tree({"Plan Rows": 1, "Actual Rows": 1, "Actual Loops": 1, "Actual Total Time": 1} | keys)

    assert named(**{"Node Type": "Aggregate", "Strategy": "Hashed"}).node_type == "HashAggregate"
    assert named(**{"Node Type": "Aggregate", "Strategy": "Sorted"}).node_type == "GroupAggregate"
    assert named(**{"Node Type": "Aggregate", "Strategy": "Plain"}).node_type == "Aggregate"
    backward = named(**{"Node Type": "Index Scan", "Scan Direction": "Backward"})
    assert backward.node_type == "Index Scan Backward"
    assert named(**{"Node Type": "Index Scan", "Scan Direction": "Forward"}).node_type == "Index Scan"
