"""What several of notebook 07's checks share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Index, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.schema import CreateIndex
from sqlalchemy.sql import Select

from course_lib.exercises import Hint, LearnerError, check_database, learner_rows

# UNLOGGED: the rows a check throws away need no write-ahead log; the planner sees the same table.
PURCHASE_TABLE = """
CREATE UNLOGGED TABLE purchase (
    id serial PRIMARY KEY,
    customer_id integer NOT NULL,
    email varchar NOT NULL,
    status varchar NOT NULL,
    total numeric(10, 2) NOT NULL,
    created_at timestamptz NOT NULL,
    tags text[] NOT NULL DEFAULT '{}',
    attrs jsonb NOT NULL DEFAULT '{}',
    note varchar
)"""

# 500 customers with 100 purchases each, one of them refunded; every minute a purchase.
FILL = """
INSERT INTO purchase (customer_id, email, status, total, created_at)
SELECT 1 + n % 500,
       'Buyer' || (1 + n % 500) || '@Shop.example',
       CASE WHEN (n / 500) % 100 < 55 THEN 'paid'
            WHEN (n / 500) % 100 < 80 THEN 'shipped'
            WHEN (n / 500) % 100 < 90 THEN 'cancelled'
            WHEN (n / 500) % 100 < 99 THEN 'pending'
            ELSE 'refunded' END,
       (n % 997) / 10.0,
       timestamptz '2024-03-01' + n * interval '1 minute'
FROM generate_series(0, 49999) AS n"""


@contextmanager
def _fresh_purchase_database(extra_sql: tuple[str, ...], fill: bool) -> Iterator[Engine]:
    with check_database() as engine:
        with engine.begin() as conn:
            conn.execute(text(PURCHASE_TABLE))
            if fill:
                conn.execute(text(FILL))
            for statement in extra_sql:
                conn.execute(text(statement))
            if fill:
                conn.execute(text("ANALYZE purchase"))  # it counts this transaction's own rows
        yield engine


# Set by reusing_databases(): each filled database, by the extra SQL it was built with, and its indexes.
_reused: dict[tuple[str, ...], tuple[Engine, set[str]]] | None = None
_reused_stack: ExitStack | None = None


@contextmanager
def reusing_databases() -> Iterator[None]:
    """For the tests: each filled database is built once, for every check that asks for the same one.

    The checks of a filled table only read its rows, and what they add to it (the learner's index)
    is dropped when they end, so each finds the table as the first one did. A learner's check
    always starts afresh.
    """
    global _reused, _reused_stack
    with ExitStack() as stack:
        _reused, _reused_stack = {}, stack
        try:
            yield
        finally:
            _reused, _reused_stack = None, None


def _index_names(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        found = conn.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = 'purchase'"))
        return set(found.scalars())


@contextmanager
def _purchase_database(*extra_sql: str, fill: bool = True) -> Iterator[Engine]:
    """A scratch database with the check's ``purchase`` table, then ``extra_sql``; ``fill``: 50,000
    rows more, and the table analyzed."""
    if _reused is None or _reused_stack is None or not fill:
        with _fresh_purchase_database(extra_sql, fill) as engine:
            yield engine
        return
    if extra_sql not in _reused:
        engine = _reused_stack.enter_context(_fresh_purchase_database(extra_sql, fill))
        _reused[extra_sql] = (engine, _index_names(engine))
    engine, indexes = _reused[extra_sql]
    try:
        yield engine
    finally:
        with engine.begin() as conn:
            for added in sorted(_index_names(engine) - indexes):
                conn.execute(text(f'DROP INDEX "{added}"'))


# --- reading plans ---------------------------------------------------------------------------


def _nodes(plan: dict) -> Iterator[dict]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _plan_of_sql(conn: Connection, sql: str) -> dict:
    """The plan of one of the check's own queries."""
    return conn.execute(text(f"EXPLAIN (FORMAT JSON) {sql}")).scalar_one()[0]["Plan"]


def _plan_of(conn: Connection, statement: Select) -> dict:
    """The plan of the learner's statement (its errors are the learner's)."""
    compiled = statement.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    try:
        document = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params).scalar_one()
    except SQLAlchemyError as error:
        raise LearnerError("query", error) from error
    return document[0]["Plan"]


def _index_scans(plan: dict, index_name: str) -> list[dict]:
    return [node for node in _nodes(plan) if node.get("Index Name") == index_name]


def _sorts(plan: dict) -> bool:
    return any(node["Node Type"] in ("Sort", "Incremental Sort") for node in _nodes(plan))


def _how_read(plan: dict) -> str:
    """The scan nodes of a plan, e.g. 'Seq Scan' or 'Index Scan using x'."""
    scans = [
        node["Node Type"] + (f" using {node['Index Name']}" if "Index Name" in node else "")
        for node in _nodes(plan)
        if "Scan" in node["Node Type"]
    ]
    return ", ".join(scans) or plan["Node Type"]


# --- the learner's Index ----------------------------------------------------------------------


@dataclass
class _BuiltIndex:
    name: str
    method: str
    columns: list[str]  # key columns (or expressions), in order, as PostgreSQL writes them
    predicate: str | None  # the WHERE of a partial index


def _check_index_object(answer: Any) -> None:
    if not isinstance(answer, Index):
        raise Hint(f"answer with a sqlalchemy Index(...) object, not {type(answer).__name__}.")
    if answer.table is None:
        raise Hint(
            "this Index is not attached to a table: pass the columns as Purchase.customer_id, ... "
            "(or declare it in the model's __table_args__)."
        )
    if answer.table.name != "purchase":
        raise Hint(f"declare the index on the purchase table, not on {answer.table.name!r}.")


def _build_learner_index(engine: Engine, answer: Any) -> _BuiltIndex:
    """Create the learner's ``Index(...)`` on the scratch ``purchase`` table; read it from the catalog."""
    _check_index_object(answer)
    try:
        with engine.begin() as conn:
            conn.execute(CreateIndex(answer))
    except SQLAlchemyError as error:
        raise LearnerError("index", error) from error
    with engine.begin() as conn:
        row = conn.execute(
            text("""
            SELECT c.relname, am.amname, pg_get_expr(i.indpred, i.indrelid),
                   array(SELECT pg_get_indexdef(i.indexrelid, k, true)
                         FROM generate_series(1, i.indnkeyatts) AS k ORDER BY k),
                   i.indexprs IS NOT NULL
            FROM pg_index AS i
            JOIN pg_class AS c ON c.oid = i.indexrelid
            JOIN pg_am AS am ON am.oid = c.relam
            WHERE i.indrelid = 'purchase'::regclass AND NOT i.indisprimary
            """)
        ).one()
        if row[4]:  # the table's columns are analyzed; the statistics of an expression are new
            conn.execute(text("ANALYZE purchase"))
    return _BuiltIndex(row[0], row[1], list(row[3]), row[2])


def _not_btree(index: _BuiltIndex) -> Hint:
    return Hint(
        f"this is a {index.method.upper()} index: only a B-tree keeps its entries in order, which is what "
        "lets a scan hand rows over sorted. Leave postgresql_using out."
    )


def _selected_ids(conn: Connection, statement: Any) -> list[int]:
    """The ``id`` of every row the learner's statement returns, sorted."""
    if not isinstance(statement, Select):
        raise Hint(
            f"your function should return a select(Purchase)... statement, not {type(statement).__name__}."
        )
    if "id" not in statement.selected_columns.keys():
        raise Hint("select whole purchases, select(Purchase), so that every column (the id too) comes back.")
    subquery = statement.subquery()
    return sorted(row[0] for row in learner_rows(conn, select(subquery.c.id)))


def _emails(conn: Connection, ids: set[int]) -> list[str]:
    found = conn.execute(
        text("SELECT DISTINCT email FROM purchase WHERE id = ANY(:ids) ORDER BY 1"), {"ids": list(ids)}
    )
    return list(found.scalars())
