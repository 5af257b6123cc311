"""course_lib.diagrams: what a data-model diagram shows is what its MetaData (or catalog) holds."""

from __future__ import annotations

import io
import itertools

import matplotlib
import pytest

matplotlib.use("Agg")

from matplotlib import pyplot as plt
from matplotlib.patches import FancyBboxPatch
from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    create_engine,
    text,
)

from course_lib import notebook_database
from course_lib.diagrams import Relation, data_model, data_model_from_catalog, draw_data_model


def schema() -> MetaData:
    metadata = MetaData()
    Table("user", metadata, Column("id", Integer, primary_key=True), Column("email", String, unique=True))
    Table(
        "project",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("owner_id", ForeignKey("user.id"), nullable=False),
        Column("name", String),
        Column("description", String),
    )
    Table(
        "task",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("project_id", ForeignKey("project.id"), nullable=False),
        Column("assignee_id", ForeignKey("user.id")),
        Column("title", String),
        UniqueConstraint("project_id", "title"),
    )
    Table("tag", metadata, Column("id", Integer, primary_key=True), Column("name", String, unique=True))
    Table(
        "tasktaglink",
        metadata,
        Column("task_id", ForeignKey("task.id"), primary_key=True),
        Column("tag_id", ForeignKey("tag.id"), primary_key=True),
    )
    Table(
        "category",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("parent_id", ForeignKey("category.id")),
    )
    Table(
        "profile",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("user_id", ForeignKey("user.id"), unique=True, nullable=False),
    )
    return metadata


def foreign_keys(metadata: MetaData, tables: set[str]) -> set[tuple[str, tuple[str, ...], str]]:
    return {
        (table.name, tuple(c.name for c in fk.columns), fk.referred_table.name)
        for table in metadata.tables.values()
        if table.name in tables
        for fk in table.foreign_key_constraints
        if fk.referred_table.name in tables
    }


def test_the_model_holds_every_table_and_foreign_key_of_the_metadata():
    metadata = schema()
    model = data_model(metadata)
    assert {t.name for t in model.tables} == set(metadata.tables)
    assert {(r.child, r.child_columns, r.parent) for r in model.relations} == foreign_keys(
        metadata, set(metadata.tables)
    )
    for table in model.tables:
        source = metadata.tables[table.name]
        keys = {c.name for c in source.columns if c.primary_key or c.foreign_keys or c.unique}
        assert {c.name for c in table.columns} == keys
        assert table.other_columns == len(source.columns) - len(keys)
    assert model.link_tables == ["tasktaglink"]
    assert model.summary() == "7 tables, 7 foreign keys, link tables: tasktaglink"


def test_cardinality_follows_nullability_and_uniqueness():
    relations = {(r.child, r.child_columns): r for r in data_model(schema()).relations}
    owner = relations["project", ("owner_id",)]
    assert (owner.kind, owner.parent_end, owner.child_end) == ("many-to-one", "1", "*")
    assignee = relations["task", ("assignee_id",)]
    assert (assignee.kind, assignee.parent_end, assignee.child_end) == ("many-to-one", "0..1", "*")
    profile = relations["profile", ("user_id",)]  # unique foreign key: one-to-one
    assert (profile.kind, profile.parent_end, profile.child_end) == ("one-to-one", "1", "0..1")
    parent = relations["category", ("parent_id",)]  # self-reference
    assert (parent.parent, parent.parent_end) == ("category", "0..1")
    assert str(owner) == "project.owner_id -> user (many-to-one, 1 : *)"
    # task's (project_id, title) is unique together, but project_id alone is not: still many-to-one
    assert not relations["task", ("project_id",)].one_to_one


def test_a_subset_of_tables_keeps_only_the_foreign_keys_between_them():
    metadata = schema()
    model = data_model(metadata, ["task", "project"])
    assert [t.name for t in model.tables] == ["project", "task"]
    assert model.relations == (
        Relation("task", ("project_id",), "project", ("id",), one_to_one=False, optional=False),
    )
    with pytest.raises(ValueError, match="no table"):
        data_model(metadata, ["nope"])


def test_the_drawing_shows_every_table_key_column_and_foreign_key():
    metadata = schema()
    model = data_model(metadata)
    before = plt.get_fignums()
    figure = draw_data_model(model, title="Seven tables")
    assert plt.get_fignums() == before  # closed: a notebook shows it once
    (axes,) = figure.axes
    assert axes.get_title(loc="left") == "Seven tables"
    texts = [text.get_text() for text in axes.texts]
    headers = {t.split("  ")[0] for t in texts if t in metadata.tables or t.endswith("(link table)")}
    assert headers == set(metadata.tables)
    assert "tasktaglink  (link table)" in texts
    for table in model.tables:
        for column in table.columns:
            assert column.label in texts
    # one line per foreign key, each labelled at both ends
    lines = [child for child in axes.get_children() if isinstance(child, matplotlib.text.Annotation)]
    assert len(lines) == len(model.relations) == 7
    ends = [text for text in texts if text in ("1", "0..1", "*")]
    assert sorted(ends) == sorted(
        [r.parent_end for r in model.relations] + [r.child_end for r in model.relations]
    )
    png = io.BytesIO()
    figure.savefig(png, format="png")
    assert png.getvalue().startswith(b"\x89PNG")


def test_the_catalog_gives_the_same_model_as_the_metadata_it_was_created_from(scratch_name):
    metadata = schema()
    engine = create_engine(notebook_database(scratch_name("diagrams")).url)
    try:
        metadata.create_all(engine)
        from_catalog = data_model_from_catalog(engine)
        from_catalog_subset = data_model_from_catalog(engine, ["task", "project"])
    finally:
        engine.dispose()
    assert from_catalog.relations == data_model(metadata).relations
    assert from_catalog.link_tables == ["tasktaglink"]
    assert [[c.name for c in t.columns] for t in from_catalog.tables] == [
        [c.name for c in t.columns] for t in data_model(metadata).tables
    ]
    assert [t.name for t in from_catalog_subset.tables] == ["project", "task"]


def partial_unique_schema() -> MetaData:
    """A unique index over some rows only (``WHERE ...``) makes nothing unique, nor one-to-one."""
    metadata = MetaData()
    Table("user", metadata, Column("id", Integer, primary_key=True), Column("handle", String))
    Index("user_handle_key", metadata.tables["user"].c.handle, unique=True)  # all rows: unique
    account = Table(
        "account",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("user_id", ForeignKey("user.id"), nullable=False),
        Column("email", String),
        Column("deleted_at", DateTime(timezone=True)),
    )
    for column in ("email", "user_id"):  # unique among the live accounts only
        Index(
            f"account_live_{column}_key",
            account.c[column],
            unique=True,
            postgresql_where=text("deleted_at IS NULL"),
        )
    return metadata


def test_a_partial_unique_index_makes_no_column_unique_nor_a_foreign_key_one_to_one(scratch_name):
    metadata = partial_unique_schema()
    engine = create_engine(notebook_database(scratch_name("diagrams")).url)
    try:
        metadata.create_all(engine)
        from_catalog = data_model_from_catalog(engine)
    finally:
        engine.dispose()
    for model in (data_model(metadata), from_catalog):
        boxes = {table.name: table for table in model.tables}
        assert [(c.name, c.unique) for c in boxes["user"].columns] == [("id", False), ("handle", True)]
        assert [c.name for c in boxes["account"].columns] == ["id", "user_id"]  # email: not a key
        assert boxes["account"].other_columns == 2
        (relation,) = model.relations
        assert (relation.kind, relation.child_end) == ("many-to-one", "*")


def three_tables() -> MetaData:
    """task -> project -> user, and task -> user straight past project's column."""
    metadata = MetaData()
    Table("user", metadata, Column("id", Integer, primary_key=True))
    Table(
        "project",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("owner_id", ForeignKey("user.id")),
    )
    Table(
        "task",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("project_id", ForeignKey("project.id")),
        Column("assignee_id", ForeignKey("user.id")),
    )
    return metadata


@pytest.mark.parametrize("metadata", [schema(), three_tables()], ids=["seven tables", "three tables"])
def test_no_foreign_key_line_runs_through_a_box(metadata):
    figure = draw_data_model(data_model(metadata), title="boxes")
    (axes,) = figure.axes
    boxes = [patch for patch in axes.patches if isinstance(patch, FancyBboxPatch)]
    assert len(boxes) == len(metadata.tables)
    polylines = [line.get_xydata().tolist() for line in axes.lines]
    polylines += [
        [text.xyann, text.xy] for text in axes.texts if isinstance(text, matplotlib.text.Annotation)
    ]
    assert len(polylines) > len(metadata.tables) - 2  # something was drawn
    for points in polylines:
        for (x0, y0), (x1, y1) in itertools.pairwise(points):
            for step in range(101):
                x, y = x0 + (x1 - x0) * step / 100, y0 + (y1 - y0) * step / 100
                for box in boxes:  # strictly inside: ends on a box's edge are fine
                    inside_x = box.get_x() + 0.05 < x < box.get_x() + box.get_width() - 0.05
                    inside_y = box.get_y() + 0.05 < y < box.get_y() + box.get_height() - 0.05
                    assert not (inside_x and inside_y), f"a line runs through a box at ({x:.2f}, {y:.2f})"
