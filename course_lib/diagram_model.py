"""What a data-model diagram shows: tables, key columns and foreign keys, read from a ``MetaData``.

:func:`data_model` reads the models' ``MetaData`` (``SQLModel.metadata``), and
:func:`data_model_from_catalog` reads what PostgreSQL really has (via reflection); both
give a :class:`DataModel`, whose :meth:`~DataModel.describe` is the picture's text
alternative. :mod:`course_lib.diagrams` draws it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Index, MetaData, Table, UniqueConstraint
from sqlalchemy.engine import Connection, Engine


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
    sets += [
        {c.name for c in index.columns} for index in table.indexes if index.unique and not _partial(index)
    ]
    sets += [{column.name} for column in table.columns if column.unique]
    return [s for s in sets if s]


def _partial(index: Index) -> bool:
    """A partial index (``WHERE ...``) makes its columns unique only among some rows."""
    return index.dialect_options["postgresql"]["where"] is not None


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
