"""The exercise checks of notebooks/12_vector_search.ipynb: the reference passes, each wrong answer
gets its hint (asserted by its text).

The checks build scratch databases of their own with pgvector, so these tests need the course's
embedded server (which ships it).
"""

from __future__ import annotations

import pytest
from helpers import assert_hint, assert_learner_error, assert_not_answered, assert_passes
from sqlalchemy import text


@pytest.fixture(autouse=True)
def _server(embedded):
    """Every check here creates a scratch database on the course's embedded server."""


# --- nb12-nearest -------------------------------------------------------------------------------

NEAREST = "SELECT id FROM item WHERE embedding IS NOT NULL ORDER BY embedding <=> :q, id LIMIT 3"


def test_nearest_reference_passes():
    assert_passes("nb12-nearest", NEAREST)
    assert_passes(
        "nb12-nearest",
        "SELECT id FROM item WHERE embedding IS NOT NULL "
        "ORDER BY embedding <=> CAST(:q AS vector) ASC, id ASC FETCH FIRST 3 ROWS ONLY",
    )


def test_nearest_not_answered_and_errors():
    assert_not_answered("nb12-nearest", ...)
    assert_learner_error("nb12-nearest", "SELECT id FROM item ORDER BY embedding <=> '[1, 0]' LIMIT 3")


def test_nearest_hard_coded_fails():
    assert_hint("nb12-nearest", "SELECT unnest(ARRAY[1, 4, 2]) AS id", contains="same rows whatever :q")
    assert_hint(
        "nb12-nearest",
        "SELECT id FROM item WHERE embedding IS NOT NULL ORDER BY id LIMIT 3",
        contains="same rows whatever :q",
    )


@pytest.mark.parametrize(
    ("sql", "hint"),
    [
        (NEAREST.replace("<=>", "<->"), "<-> is the Euclidean"),
        (NEAREST.replace("<=>", "<#>"), "<#> is the negative inner product"),
        (NEAREST.replace(", id", ", id DESC"), "ordered by id"),
        (NEAREST.replace("WHERE embedding IS NOT NULL ", ""), "without an embedding"),
        (NEAREST.replace("LIMIT 3", "LIMIT 2"), "LIMIT 3"),
        ("SELECT id, embedding FROM item", "select one column"),
    ],
)
def test_nearest_wrong_answers_get_their_hint(sql, hint):
    assert_hint("nb12-nearest", sql, contains=hint)


# --- nb12-inner-product-index -------------------------------------------------------------------


def _index(ddl: str):
    def add_index(engine) -> None:
        with engine.begin() as conn:
            conn.execute(text(ddl))

    return add_index


def test_inner_product_index_reference_passes():
    assert_passes(
        "nb12-inner-product-index", _index("CREATE INDEX ON item USING hnsw (embedding vector_ip_ops)")
    )
    assert_passes(
        "nb12-inner-product-index",
        _index("CREATE INDEX ON item USING ivfflat (embedding vector_ip_ops) WITH (lists = 10)"),
    )


def test_inner_product_index_nothing_done():
    assert_not_answered("nb12-inner-product-index", ...)
    assert_hint("nb12-inner-product-index", lambda engine: None, contains="created no index")
    assert_learner_error("nb12-inner-product-index", _index("CREATE INDEX ON items USING hnsw (embedding)"))


@pytest.mark.parametrize(
    ("ddl", "hint"),
    [
        ("CREATE INDEX ON item USING hnsw (embedding vector_cosine_ops)", "vector_cosine_ops) is not used"),
        ("CREATE INDEX ON item USING hnsw (embedding vector_l2_ops)", "operator of its operator class"),
        ("CREATE INDEX ON item (embedding)", "cannot order rows by a distance"),
    ],
)
def test_inner_product_index_wrong_answers_get_their_hint(ddl, hint):
    assert_hint("nb12-inner-product-index", _index(ddl), contains=hint)


# --- nb12-best-documents ------------------------------------------------------------------------

BEST = """
SELECT document_id FROM passage GROUP BY document_id ORDER BY min(embedding <=> :q), document_id LIMIT 3
"""


def test_best_documents_reference_passes():
    assert_passes("nb12-best-documents", BEST)
    assert_passes(
        "nb12-best-documents",
        """
        SELECT document_id FROM (
            SELECT DISTINCT ON (document_id) document_id, embedding <=> :q AS distance
            FROM passage WHERE embedding IS NOT NULL ORDER BY document_id, embedding <=> :q
        ) AS best ORDER BY distance, document_id LIMIT 3
        """,
    )


def test_best_documents_hard_coded_fails():
    assert_hint("nb12-best-documents", "SELECT unnest(ARRAY[10, 20, 50])", contains="same rows whatever :q")
    assert_hint(
        "nb12-best-documents",
        "SELECT DISTINCT document_id FROM passage ORDER BY document_id LIMIT 3",
        contains="same rows whatever :q",
    )


@pytest.mark.parametrize(
    ("sql", "hint"),
    [
        ("SELECT document_id FROM passage ORDER BY embedding <=> :q, document_id LIMIT 3", "more than once"),
        (
            "SELECT DISTINCT document_id FROM (SELECT document_id FROM passage "
            "ORDER BY embedding <=> :q, id LIMIT 5) AS near ORDER BY document_id LIMIT 3",
            "document_id order",
        ),
        (BEST.replace("min(", "max("), "wrong order"),
        (BEST.replace("LIMIT 3", "LIMIT 3 OFFSET 1"), "are not the ones"),
        (BEST.replace("), document_id", "), document_id DESC"), "wrong order"),
        (
            BEST.replace("SELECT document_id", "SELECT document_id, min(embedding <=> :q)"),
            "select one column",
        ),
    ],
)
def test_best_documents_wrong_answers_get_their_hint(sql, hint):
    assert_hint("nb12-best-documents", sql, contains=hint)
