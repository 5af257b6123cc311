"""Checks for notebooks/07_indexing.ipynb."""

from __future__ import annotations

import re

from sqlalchemy import Index
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine
from sqlalchemy.pool import QueuePool
from sqlalchemy.schema import CreateIndex
from sqlalchemy.sql import Select

from course_lib.exercises import Hint, exercise

_DIALECT = postgresql.dialect()


def _squeeze(sql: str) -> str:
    """Lower case, one space between words, no double quotes: easy to search."""
    return re.sub(r"\s+", " ", sql.replace('"', "")).strip().lower()


@exercise("nb07-plan-node")
def plan_node(answer: object) -> str:
    if not isinstance(answer, str):
        raise Hint(f"answer with the node type as text, e.g. 'Seq Scan', not {type(answer).__name__}.")
    normalised = " ".join(answer.split()).lower()
    if normalised == "index only scan":
        return "the covering index holds customer_id and total, and VACUUM set the visibility map."
    if normalised in {"seq scan", "sequential scan"}:
        raise Hint("purchase has an index whose first column is customer_id: run EXPLAIN and look again.")
    if normalised in {"index scan", "bitmap heap scan", "bitmap index scan"}:
        raise Hint(
            "the query needs only customer_id and total: look at the INCLUDE index and the first line of "
            "EXPLAIN's output."
        )
    raise Hint(f"{answer!r} is not the node EXPLAIN shows; copy the node type from its first line.")


@exercise("nb07-column-order")
def column_order(answer: object) -> str:
    if not isinstance(answer, (tuple, list)) or not all(isinstance(c, str) for c in answer):
        raise Hint('answer with a tuple of column names, e.g. ("customer_id", "created_at").')
    columns = tuple(c.strip().lower() for c in answer)
    if len(columns) != 3:
        raise Hint(f"{len(columns)} columns: the query filters on two and sorts on a third.")
    if set(columns) != {"customer_id", "status", "created_at"}:
        raise Hint("use the columns the query compares with = and the one it sorts by.")
    if columns[-1] != "created_at":
        raise Hint(
            "with created_at before an equality column, the scan cannot read one customer's rows in "
            "created_at order: put the columns compared with = first and the ORDER BY column last."
        )
    return "equality columns first (in either order), then the sort column: a backward index scan, no sort."


@exercise("nb07-partial-index")
def partial_index(answer: object) -> str:
    if not isinstance(answer, Index):
        raise Hint(f"answer with a sqlalchemy Index(...) object, not {type(answer).__name__}.")
    if answer.table is None or answer.table.name != "purchase":
        raise Hint("declare the index on the purchase table: pass Purchase.created_at as its column.")
    columns = [_squeeze(str(e.compile(dialect=_DIALECT))).split(".")[-1] for e in answer.expressions]
    if columns != ["created_at"]:
        raise Hint(f"index the created_at column only (this index is on {', '.join(columns)}).")
    if answer.dialect_options["postgresql"]["using"] not in (None, False, "btree"):
        raise Hint("a plain B-tree is right for dates: leave postgresql_using out.")
    ddl = _squeeze(str(CreateIndex(answer).compile(dialect=_DIALECT)))
    if " where " not in ddl:
        raise Hint("a partial index needs a condition: postgresql_where=...")
    condition = ddl.split(" where ", 1)[1]
    if not re.fullmatch(r"\(?\s*(purchase\.)?status\s*=\s*'refunded'\s*\)?", condition):
        raise Hint(f"the index keeps the rows where {condition!r}; keep only status = 'refunded'.")
    return "a small index of the refunds, in date order."


@exercise("nb07-expression-lookup")
def expression_lookup(answer: object) -> str:
    if not isinstance(answer, Select):
        raise Hint(f"answer with a select(Purchase)... statement, not {type(answer).__name__}.")
    compiled = " ".join(str(answer.compile(dialect=_DIALECT, compile_kwargs={"literal_binds": True})).split())
    sql = compiled.lower()
    if " ilike " in sql or " like " in sql:
        raise Hint("ILIKE and LIKE cannot use a B-tree index on lower(email): compare lower(email) with =.")
    if "lower(purchase.email)" not in sql:
        raise Hint("the index stores lower(email): the condition must apply func.lower() to Purchase.email.")
    match = re.search(r"lower\(purchase\.email\) = (lower\('([^']*)'\)|'([^']*)')", compiled, re.IGNORECASE)
    if not match:
        raise Hint("compare lower(email) with = to the email, not with another operator.")
    lowered_by_sql, literal = match.group(2), match.group(3)
    value = (lowered_by_sql or literal).lower()
    if value != "customer4242@example.com":
        raise Hint(f"compare with the typed email, CUSTOMER4242@EXAMPLE.COM, in lower case (got {value!r}).")
    if literal is not None and literal != literal.lower():
        raise Hint("lower(email) is in lower case: lower the typed email too (str.lower() or func.lower()).")
    return "lower(email) = '...' matches the expression index."


@exercise("nb07-pool-settings")
def pool_settings(answer: object) -> str:
    if not isinstance(answer, Engine):
        raise Hint(f"answer with an engine from create_engine(...), not {type(answer).__name__}.")
    pool = answer.pool
    if not isinstance(pool, QueuePool):
        raise Hint(f"the engine uses {type(pool).__name__}; leave poolclass out to get the QueuePool.")
    if pool.size() != 3:
        raise Hint(f"pool_size is {pool.size()}: the pool should keep 3 connections open.")
    most = pool.size() + pool._max_overflow
    if pool._max_overflow < 0 or most != 5:
        allowed = "no limit" if pool._max_overflow < 0 else str(most)
        raise Hint(f"at most {allowed} connections at once: 5 means pool_size + max_overflow = 5.")
    if pool.timeout() != 2:
        raise Hint(f"pool_timeout is {pool.timeout()} seconds; a caller should wait at most 2.")
    if not pool._pre_ping:
        raise Hint("checking each connection before lending it out is pool_pre_ping=True.")
    return "3 kept, 2 overflow, 2 s wait, pre-ping."
