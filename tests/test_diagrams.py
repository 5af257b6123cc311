"""course_lib.diagrams: what a data-model diagram shows is what its MetaData (or catalog) holds."""

from __future__ import annotations

import io

import matplotlib
import pytest

matplotlib.use("Agg")

from matplotlib import pyplot as plt
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, UniqueConstraint, create_engine

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
