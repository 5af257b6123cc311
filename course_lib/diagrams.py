"""Data-model diagrams: tables, key columns and foreign keys, drawn from a ``MetaData``.

The picture is computed from the schema itself, so it cannot drift from the code:
:func:`data_model` reads the models' ``MetaData`` (``SQLModel.metadata``), and
:func:`data_model_from_catalog` reads what PostgreSQL really has (via reflection).
:func:`draw_data_model` turns either into a matplotlib figure, already closed in
pyplot, so ending a notebook cell with it displays it once.

>>> model = data_model(SQLModel.metadata)
>>> print(model.summary())
>>> draw_data_model(model, title="The course's tables")
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch
from sqlalchemy import MetaData, Table, UniqueConstraint
from sqlalchemy.engine import Connection, Engine

TABLE_COLOR = "#336791"  # PostgreSQL blue, as in course_lib.plots
LINK_COLOR = "#e8a33d"
BOX_WIDTH = 3.8
LINE_HEIGHT = 0.32
COLUMN_GAP = 1.6
ROW_GAP = 0.5
INCHES_PER_UNIT = 0.62


@dataclass(frozen=True)
class KeyColumn:
    """A column the diagram shows: part of the primary key, of a foreign key, or unique."""

    name: str
    type: str
    primary_key: bool
    foreign_key: bool
    unique: bool
    nullable: bool

    @property
    def label(self) -> str:
        marks = [
            m for m, on in (("PK", self.primary_key), ("FK", self.foreign_key), ("UQ", self.unique)) if on
        ]
        null = " NULL" if self.nullable else ""
        return f"{' '.join(marks):<6}{self.name}: {self.type}{null}"


@dataclass(frozen=True)
class TableBox:
    name: str
    columns: tuple[KeyColumn, ...]
    other_columns: int  # columns left out of the picture (neither key nor unique)
    link_table: bool  # its primary key is made of foreign keys to two or more tables


@dataclass(frozen=True)
class Relation:
    """One foreign key, child -> parent, with its cardinality seen from both ends."""

    child: str
    child_columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]
    one_to_one: bool  # the foreign key columns are unique: a parent has at most one child
    optional: bool  # a nullable foreign key: a child may have no parent

    @property
    def parent_end(self) -> str:
        """How many parents one child row has: '1' or '0..1'."""
        return "0..1" if self.optional else "1"

    @property
    def child_end(self) -> str:
        """How many child rows one parent row has: '*' (any number) or '0..1'."""
        return "0..1" if self.one_to_one else "*"

    @property
    def kind(self) -> str:
        return "one-to-one" if self.one_to_one else "many-to-one"

    def __str__(self) -> str:
        columns = ", ".join(self.child_columns)
        return f"{self.child}.{columns} -> {self.parent} ({self.kind}, {self.parent_end} : {self.child_end})"


@dataclass(frozen=True)
class DataModel:
    tables: tuple[TableBox, ...]
    relations: tuple[Relation, ...]

    @property
    def link_tables(self) -> list[str]:
        return [table.name for table in self.tables if table.link_table]

    def summary(self) -> str:
        """One line of text saying what the picture shows (its text alternative)."""
        links = ", ".join(self.link_tables) or "none"
        keys = f"{len(self.relations)} foreign key{'' if len(self.relations) == 1 else 's'}"
        return f"{len(self.tables)} tables, {keys}, link tables: {links}"

    def describe(self) -> str:
        """The summary, then one line per foreign key."""
        return "\n".join([self.summary(), *(f"  {relation}" for relation in self.relations)])


def _unique_column_sets(table: Table) -> list[set[str]]:
    sets = [{c.name for c in table.primary_key.columns}]
    sets += [{c.name for c in con.columns} for con in table.constraints if isinstance(con, UniqueConstraint)]
    sets += [{c.name for c in index.columns} for index in table.indexes if index.unique]
    sets += [{column.name} for column in table.columns if column.unique]
    return [s for s in sets if s]


def _table_box(table: Table, unique_sets: list[set[str]]) -> TableBox:
    foreign = {element.parent.name for fk in table.foreign_key_constraints for element in fk.elements}
    single_unique = {next(iter(s)) for s in unique_sets[1:] if len(s) == 1}
    shown = [
        KeyColumn(
            name=column.name,
            type=str(column.type.compile()) if _compiles(column) else type(column.type).__name__,
            primary_key=column.primary_key,
            foreign_key=column.name in foreign,
            unique=column.name in single_unique and not column.primary_key,
            nullable=bool(column.nullable) and not column.primary_key,
        )
        for column in table.columns
        if column.primary_key or column.name in foreign or column.name in single_unique
    ]
    pk = {c.name for c in table.primary_key.columns}
    parents_via_pk = {
        fk.referred_table.name
        for fk in table.foreign_key_constraints
        if {element.parent.name for element in fk.elements} <= pk
    }
    pk_is_foreign = bool(pk) and pk <= foreign
    return TableBox(
        name=table.name,
        columns=tuple(shown),
        other_columns=len(table.columns) - len(shown),
        link_table=pk_is_foreign and len(parents_via_pk) >= 2,
    )


def _compiles(column) -> bool:
    try:
        column.type.compile()
    except Exception:  # a dialect-specific type: fall back to its class name
        return False
    return True


def data_model(metadata: MetaData, tables: Iterable[str] | None = None) -> DataModel:
    """The tables (all, or those named) of ``metadata`` and the foreign keys between them."""
    wanted = set(tables) if tables is not None else set(metadata.tables)
    unknown = wanted - set(metadata.tables)
    if unknown:
        raise ValueError(f"no table {sorted(unknown)} in this MetaData; it has {sorted(metadata.tables)}")
    chosen = [metadata.tables[name] for name in sorted(wanted)]
    boxes, relations = [], []
    for table in chosen:
        unique_sets = _unique_column_sets(table)
        boxes.append(_table_box(table, unique_sets))
        for fk in sorted(table.foreign_key_constraints, key=lambda fk: [c.name for c in fk.columns]):
            parent = fk.referred_table.name
            if parent not in wanted:
                continue
            columns = tuple(element.parent.name for element in fk.elements)
            relations.append(
                Relation(
                    child=table.name,
                    child_columns=columns,
                    parent=parent,
                    parent_columns=tuple(element.column.name for element in fk.elements),
                    one_to_one=any(s == set(columns) for s in unique_sets),
                    optional=any(table.c[name].nullable for name in columns),
                )
            )
    return DataModel(tables=tuple(boxes), relations=tuple(relations))


def data_model_from_catalog(
    bind: Engine | Connection, tables: Iterable[str] | None = None, schema: str | None = None
) -> DataModel:
    """The same, read from PostgreSQL's catalog (reflection): what the database really has."""
    metadata = MetaData()
    metadata.reflect(bind=bind, schema=schema, only=list(tables) if tables is not None else None)
    names = {table.name: key for key, table in metadata.tables.items()}
    wanted = list(tables) if tables is not None else list(names)
    return data_model(metadata, [names[name] for name in wanted])


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
    figure, axes = plt.subplots(
        figsize=(max(6.0, width * INCHES_PER_UNIT), max(2.0, (depth + 0.5) * INCHES_PER_UNIT + 0.5)),
        layout="constrained",
    )
    plt.close(figure)
    axes.set_xlim(-0.2, width - COLUMN_GAP + 0.2)
    axes.set_ylim(-depth - 0.2, 0.7 if any(r.child == r.parent for r in model.relations) else 0.2)
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
        axes.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "-|>", "color": "0.3", "lw": 1})
        axes.text(end[0] + 0.08, end[1] + 0.08, relation.parent_end, fontsize=8, color="0.2")
        axes.text(start[0] - 0.08, start[1] + 0.08, relation.child_end, fontsize=8, color="0.2", ha="right")
    return figure
