"""Checks for notebooks/12_vector_search.ipynb.

Every check works in a scratch database of its own (:func:`check_database`) with pgvector, on
small vectors the learner has not seen: vectors that are not unit length (so Euclidean, cosine and
inner-product orders differ), two vectors with the same direction (a tie in cosine distance), rows
without an embedding, documents with several passages. Queries run with several query vectors and
are compared with the reference SQL's rows; an index is created there and judged by the planner.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from course_lib.exercises import Hint, check_database, exercise, learner, learner_rows


@contextlib.contextmanager
def _vector_database() -> Iterator[Engine]:
    with check_database() as engine:
        with engine.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
        yield engine


def _reference(engine: Engine, sql: str, **params: Any) -> list[int]:
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(text(sql), params)]


def _ids(found: list[tuple], name: str) -> list[int]:
    if any(len(row) != 1 for row in found):
        raise Hint(f"select one column: the {name}.")
    if not all(isinstance(row[0], int) for row in found):
        raise Hint(f"the column should be the {name} (an integer).")
    return [row[0] for row in found]


def _sql(answer: Any) -> str:
    if answer is ...:
        raise Hint("write the query as an SQL string with a :q parameter.")
    if not isinstance(answer, str):
        raise Hint(f"the answer should be an SQL string with a :q parameter, not {type(answer).__name__}.")
    return answer


# --- exercise 1: the 3 nearest items by cosine distance ---------------------------------------

ITEMS = [
    # (id, embedding): not unit length; 2 and 5 share a direction (same cosine distance to anything)
    (1, "[3, 0, 0]"),
    (2, "[0.2, 0.9, 0]"),
    (3, None),
    (4, "[0.5, 0.5, 0.5]"),
    (5, "[0.4, 1.8, 0]"),
    (6, "[0, 0, 4]"),
    (7, "[0.1, 0.1, -1]"),
    (8, None),
]
NEAREST_SQL = "SELECT id FROM item WHERE embedding IS NOT NULL ORDER BY embedding <=> :q, id LIMIT 3"
QUERIES_1 = ["[1, 0, 0]", "[0, 1, 0]", "[0.3, 1, 0.1]", "[0, 0, -1]"]
OPERATOR_HINTS = {
    "<->": "<-> is the Euclidean (L2) distance; the cosine distance is <=>. They differ on vectors "
    "that are not unit length.",
    "<#>": "<#> is the negative inner product, which grows with a vector's length; "
    "the cosine distance is <=>.",
}
FEW_ITEMS = [(1, "[1, 1, 0]"), (2, None), (3, "[0, 1, 1]"), (4, None)]


def _fill_items(engine: Engine, items: list[tuple]) -> None:
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS item"))
        conn.execute(text("CREATE TABLE item (id integer PRIMARY KEY, embedding vector(3))"))
        conn.execute(
            text("INSERT INTO item VALUES (:id, CAST(:v AS vector))"), [{"id": i, "v": v} for i, v in items]
        )


def _nearest_hint(engine: Engine, q: str, found: list[int], expected: list[int]) -> Hint:
    with engine.connect() as conn:
        distances = dict(conn.execute(text("SELECT id, embedding <=> :q FROM item"), {"q": q}).all())
    if any(i in distances and distances[i] is None for i in found):
        return Hint(
            "your result includes an item without an embedding: its distance is NULL, which sorts last "
            "but still fills the LIMIT when there are few rows. Leave such rows out (WHERE ... IS NOT NULL)."
        )

    def rounded(ids: list[int]) -> list[float | None]:
        return [None if distances.get(i) is None else round(distances[i], 6) for i in ids]

    if rounded(found) == rounded(expected):
        return Hint(
            "the right distances, but not the right items in order: two items at the same distance "
            "(same direction, different length) are ordered by id."
        )
    if len(found) != len(expected):
        return Hint(f"for q = {q} you returned {len(found)} rows; the 3 nearest items are wanted (LIMIT 3).")
    return Hint(f"for q = {q} the nearest items by cosine distance (<=>) are not the ones you returned.")


@exercise("nb12-nearest", level=1)
def check_nearest(answer: Any) -> str:
    sql = _sql(answer)
    with _vector_database() as engine:
        for items, queries in ((ITEMS, QUERIES_1), (FEW_ITEMS, ["[1, 0, 0]"])):
            _fill_items(engine, items)
            found = {q: _ids(learner_rows(engine, sql, q=q), "id") for q in queries}
            expected = {q: _reference(engine, NEAREST_SQL, q=q) for q in queries}
            if len(queries) > 1 and len({tuple(ids) for ids in found.values()}) == 1:
                raise Hint("your query returns the same rows whatever :q is: order by the distance to :q.")
            if found != expected:
                for operator, hint in OPERATOR_HINTS.items():
                    ordered = NEAREST_SQL.replace("<=>", operator)
                    if all(found[q] == _reference(engine, ordered, q=q) for q in queries):
                        raise Hint(hint)
            for q in queries:
                if found[q] != expected[q]:
                    raise _nearest_hint(engine, q, found[q], expected[q])
    return "the 3 nearest by cosine distance, ties by id, NULL embeddings left out."


# --- exercise 2: an index for the inner product -----------------------------------------------

INNER_PRODUCT_QUERY = "SELECT id FROM item ORDER BY embedding <#> :q LIMIT 5"


def _plan_nodes(plan: dict) -> Iterator[dict]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _plan_nodes(child)


@exercise("nb12-inner-product-index", level=2)
def check_inner_product_index(add_index: Any) -> str:
    if add_index is ...:
        raise Hint("define add_index(engine) and pass the function itself.")
    with _vector_database() as engine:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE item (id integer PRIMARY KEY, embedding vector(3) NOT NULL)"))
            conn.execute(
                text(
                    "INSERT INTO item SELECT i, ARRAY[sin(i), cos(i * 7), sin(i * 3) + 0.5]::real[]::vector "
                    "FROM generate_series(1, 500) AS i"
                )
            )
        learner(add_index, engine)
        with engine.connect() as conn:
            indexes = conn.execute(
                text(
                    "SELECT c.relname, am.amname, op.opcname FROM pg_index i "
                    "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam "
                    "JOIN pg_opclass op ON op.oid = i.indclass[0] "
                    "WHERE i.indrelid = 'item'::regclass AND NOT i.indisprimary"
                )
            ).all()
            conn.execute(text("ANALYZE item"))
            conn.execute(
                text("SET enable_seqscan = off")
            )  # a small table: ask whether the index CAN serve it
            plan = conn.execute(
                text("EXPLAIN (FORMAT JSON) " + INNER_PRODUCT_QUERY), {"q": "[0.3, -0.2, 0.9]"}
            ).scalar_one()
        if isinstance(plan, str):
            plan = json.loads(plan)
        used = {
            node.get("Index Name")
            for node in _plan_nodes(plan[0]["Plan"])
            if node["Node Type"] == "Index Scan"
        }
        if not indexes:
            raise Hint("add_index(engine) created no index on item: create it on that engine.")
        if not used:
            methods = {method for _, method, _ in indexes}
            if methods <= {"btree", "hash", "gin", "gist", "brin"}:
                raise Hint(
                    "a B-tree (or GIN, GiST...) cannot order rows by a distance: use an hnsw or "
                    "ivfflat index (USING hnsw)."
                )
            classes = ", ".join(sorted(opclass for _, _, opclass in indexes))
            raise Hint(
                f"your index ({classes}) is not used: an index serves only the operator of its "
                "operator class, and <#> is the inner product's."
            )
    return "the planner orders by <#> with your index."


# --- exercise 3: the best documents, not passages ----------------------------------------------

PASSAGES = [
    # (id, document_id, embedding): several passages per document, NULLs, a tie between documents
    (1, 10, "[1, 0, 0]"),
    (2, 10, "[0, 0, 1]"),
    (3, 20, "[0.9, 0.1, 0]"),
    (4, 20, "[0.95, 0.05, 0]"),
    (5, 30, "[0, 1, 0]"),
    (6, 40, "[0, 2, 0]"),
    (7, 40, None),
    (8, 50, "[0.7, 0.7, 0]"),
    (9, 60, "[0, 0.1, 3]"),
    (10, 30, "[0.6, 0.8, 0]"),
]
BEST_DOCUMENTS_SQL = """
SELECT document_id FROM passage GROUP BY document_id ORDER BY min(embedding <=> :q), document_id LIMIT 3
"""
QUERIES_3 = ["[1, 0, 0]", "[0, 1, 0]", "[0.5, 0.5, 0.7]", "[0, 0, 1]"]


@exercise("nb12-best-documents", level=3)
def check_best_documents(answer: Any) -> str:
    sql = _sql(answer)
    with _vector_database() as engine:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "CREATE TABLE passage (id integer PRIMARY KEY, document_id integer, embedding vector(3))"
                )
            )
            conn.execute(
                text("INSERT INTO passage VALUES (:id, :d, CAST(:v AS vector))"),
                [{"id": i, "d": d, "v": v} for i, d, v in PASSAGES],
            )
        found_all = {q: _ids(learner_rows(engine, sql, q=q), "document_id") for q in QUERIES_3}
        if len({tuple(ids) for ids in found_all.values()}) == 1:
            raise Hint("your query returns the same rows whatever :q is: order by the distance to :q.")
        for q, found in found_all.items():
            expected = _reference(engine, BEST_DOCUMENTS_SQL, q=q)
            if found == expected:
                continue
            if len(set(found)) < len(found):
                raise Hint(
                    "a document appears more than once: group the passages by document and keep each "
                    "document's smallest distance."
                )
            if sorted(found) == sorted(expected):
                raise Hint(
                    "the right documents in the wrong order: sort by each document's best distance, "
                    "then by document_id (DISTINCT ON sorts by document_id first: sort again outside)."
                )
            if found == sorted(found):
                raise Hint(
                    "your documents come in document_id order: the order should be the distance of "
                    "each document's nearest passage."
                )
            raise Hint(
                f"for q = {q} the 3 documents with the nearest passages are not the ones you returned."
            )
    return "each document once, ranked by its nearest passage."
