"""The exercise checks of notebooks/06_full_text_search.ipynb: the reference passes, each wrong answer
gets its hint (asserted by its text, so a check that crashes in a hint path fails here).

The checks build scratch databases of their own, so these tests need only the course's server.
"""

from __future__ import annotations

import pytest
from helpers import assert_hint, assert_learner_error, assert_not_answered, assert_passes
from sqlalchemy import Column, Computed, Index, Text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


@pytest.fixture(autouse=True)
def _server(embedded):
    """Every check here creates a scratch database on the course's embedded server."""


# --- nb06-note-search -------------------------------------------------------------------------

NOTE_SEARCH = """
SELECT id FROM note
WHERE to_tsvector('english', title || ' ' || coalesce(description, '') || ' ' || coalesce(tags, ''))
      @@ websearch_to_tsquery('english', :q)
ORDER BY id
"""


def test_note_search_reference_passes():
    assert_passes("nb06-note-search", NOTE_SEARCH)
    assert_passes(
        "nb06-note-search",
        "SELECT id FROM note WHERE to_tsvector('english', concat_ws(' ', title, description, tags)) "
        "@@ websearch_to_tsquery('english', :q) ORDER BY id",
    )


def test_note_search_hard_coded_fails():
    # The notebook's three notes all match 'backup': ids 1, 2, 3, typed in.
    assert_hint(
        "nb06-note-search", "SELECT unnest(ARRAY[1, 2, 3]) AS id", contains="the same rows whatever the input"
    )


@pytest.mark.parametrize(
    ("sql", "hint"),
    [
        (
            NOTE_SEARCH.replace("coalesce(description, '')", "description").replace(
                "coalesce(tags, '')", "tags"
            ),
            "text || NULL is NULL",
        ),
        (NOTE_SEARCH.replace(" || ' ' || coalesce(tags, '')", ""), "search the tags too"),
        (NOTE_SEARCH.replace(" || ' ' || coalesce(description, '')", ""), "search the description too"),
        (NOTE_SEARCH.replace("websearch_to_tsquery", "plainto_tsquery"), "plainto_tsquery ignores"),
        (NOTE_SEARCH.replace("websearch_to_tsquery", "to_tsquery"), "websearch_to_tsquery never raises"),
        (NOTE_SEARCH.replace("ORDER BY id", "ORDER BY id DESC"), "ORDER BY id"),
        (
            NOTE_SEARCH.replace("to_tsvector('english', ", "to_tsvector(").replace(
                "websearch_to_tsquery('english', ", "websearch_to_tsquery("
            ),
            "default_text_search_config is 'simple'",
        ),
        ("SELECT id, title FROM note ORDER BY id", "one column"),
        ("SELECT title FROM note ORDER BY id", "the id (an integer)"),
    ],
)
def test_note_search_wrong_answers_get_their_hint(sql, hint):
    assert_hint("nb06-note-search", sql, contains=hint)


def test_note_search_not_sql():
    assert_hint("nb06-note-search", [1, 2, 3], contains="the SQL, as a string")
    assert_learner_error("nb06-note-search", "SELECT id FROM notes", contains="UndefinedTable")
    assert_not_answered("nb06-note-search", ...)


# --- nb06-accent-ranking ----------------------------------------------------------------------

WEIGHTED = (
    "setweight(to_tsvector('english_unaccent', title), 'A') || "
    "setweight(to_tsvector('english_unaccent', body), 'B')"
)
ACCENT_RANKING = f"""
SELECT id FROM doc, websearch_to_tsquery('english_unaccent', :q) AS query
WHERE ({WEIGHTED}) @@ query
ORDER BY ts_rank({WEIGHTED}, query, 1) DESC, id
LIMIT 5
"""


def test_accent_ranking_reference_passes():
    assert_passes("nb06-accent-ranking", ACCENT_RANKING)
    with_unaccent_function = (
        ACCENT_RANKING.replace("'english_unaccent', title", "'english', unaccent(title)")
        .replace("'english_unaccent', body", "'english', unaccent(body)")
        .replace(
            "websearch_to_tsquery('english_unaccent', :q)", "websearch_to_tsquery('english', unaccent(:q))"
        )
    )
    assert_passes("nb06-accent-ranking", with_unaccent_function)


def test_accent_ranking_hard_coded_fails():
    assert_hint("nb06-accent-ranking", "SELECT unnest(ARRAY[96, 48, 77]) AS id", contains="does not match")


@pytest.mark.parametrize(
    ("sql", "hint"),
    [
        (ACCENT_RANKING.replace("english_unaccent", "english"), "differs only by its accents"),
        (
            ACCENT_RANKING.replace(WEIGHTED, "to_tsvector('english_unaccent', title || ' ' || body)"),
            "a match in a title should rank above one in a body",
        ),
        (ACCENT_RANKING.replace("LIMIT 5", ""), "the 5 best only (LIMIT 5)"),
        (
            ACCENT_RANKING.replace("DESC, id", "DESC, id DESC"),
            "documents of equal rank come in another order",
        ),
        (ACCENT_RANKING.replace("ts_rank(", "ts_rank_cd("), "the right documents in another order"),
        (
            ACCENT_RANKING.replace(f"WHERE ({WEIGHTED}) @@ query\n", ""),
            "keep only rows where vector @@ query",
        ),
        (ACCENT_RANKING.replace("LIMIT 5", "LIMIT 3"), "a page is the 5 best"),
        (ACCENT_RANKING.replace("query, 1)", "query)"), "on the check's own documents"),
    ],
)
def test_accent_ranking_wrong_answers_get_their_hint(sql, hint):
    assert_hint("nb06-accent-ranking", sql, contains=hint)


def test_accent_ranking_not_sql():
    assert_hint("nb06-accent-ranking", (20, 11), contains="the SQL, as a string")
    assert_hint("nb06-accent-ranking", "SELECT title FROM doc", contains="the id (an integer)")
    assert_learner_error("nb06-accent-ranking", "SELECT id FROM docs", contains="UndefinedTable")
    assert_not_answered("nb06-accent-ranking", ...)


# --- nb06-product-search-model ----------------------------------------------------------------

GOOD_VECTOR = (
    "setweight(to_tsvector('english', name), 'A') || "
    "setweight(to_tsvector('english', coalesce(description, '')), 'B')"
)


def product_model(vector: str | None = GOOD_VECTOR, index: str | None = "gin", search_type=TSVECTOR):
    """A fresh Product model (its own registry) with the given generated expression and index."""

    class Base(SQLModel, registry=registry()):
        pass

    if vector is None:
        column = Column(search_type)
    else:
        column = Column(search_type, Computed(vector, persisted=True))
    table_args = () if index is None else (Index("ix_product_search", "search", postgresql_using=index),)

    class Product(Base, table=True):
        __table_args__ = table_args
        id: int | None = Field(default=None, primary_key=True)
        name: str
        description: str | None = None
        search: str | None = Field(default=None, sa_column=column)

    return Product


def test_product_search_model_reference_passes():
    assert_passes("nb06-product-search-model", product_model())
    weighted_in_sql = (
        "setweight(to_tsvector('english'::regconfig, name::text), 'A'::\"char\") || "
        "setweight(to_tsvector('english'::regconfig, coalesce(description, '')::text), 'B'::\"char\")"
    )
    assert_passes("nb06-product-search-model", product_model(weighted_in_sql))


@pytest.mark.parametrize(
    ("model", "hint"),
    [
        (
            lambda: product_model(GOOD_VECTOR.replace("coalesce(description, '')", "description")),
            "a product without a description cannot be found",
        ),
        (
            lambda: product_model(GOOD_VECTOR.replace("'english', ", "")),
            "its expression is not immutable",
        ),
        (
            lambda: product_model(
                GOOD_VECTOR.replace("coalesce(description, '')", "concat_ws(' ', description)")
            ),
            "concat_ws() is only STABLE",
        ),
        (lambda: product_model(vector=None), "search is an ordinary column"),
        (lambda: product_model(vector="name", search_type=Text), "make search a TSVECTOR column"),
        (lambda: product_model(vector="name", search_type=Text, index=None), "make it a TSVECTOR column"),
        (
            lambda: product_model("to_tsvector('english', name || ' ' || coalesce(description, ''))"),
            "weight the name 'A' and the description 'B'",
        ),
        (lambda: product_model("setweight(to_tsvector('english', name), 'A')"), "put the description in"),
        (lambda: product_model(index=None), "no GIN index on search"),
        (lambda: product_model(index="btree"), "no GIN index on search"),
    ],
)
def test_product_search_model_wrong_answers_get_their_hint(model, hint):
    assert_hint("nb06-product-search-model", model(), contains=hint)


def test_product_search_model_not_a_model():
    assert_hint("nb06-product-search-model", "Product", contains="the table model class itself")

    class Base(SQLModel, registry=registry()):
        pass

    class Item(Base, table=True):
        id: int | None = Field(default=None, primary_key=True)
        name: str

    assert_hint("nb06-product-search-model", Item, contains="['description', 'search'] missing")
    assert_not_answered("nb06-product-search-model", ...)
