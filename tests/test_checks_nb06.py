"""The exercise checks of notebooks/06_full_text_search.ipynb: wrong answers get a hint, right ones pass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import unique_name
from psycopg import sql
from sqlalchemy import Column, Computed, Index, create_engine, func, text
from sqlalchemy.dialects.postgresql import TSVECTOR, plainto_tsquery, websearch_to_tsquery
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from course_lib import notebook_database
from course_lib.exercises import run_check
from course_lib.server import current_server

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus" / "python_docs.jsonl"
WEIGHTED = "setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', body), 'B')"
TOP3 = """
    SELECT title FROM search_document, websearch_to_tsquery('english', 'temporary file') AS q
    WHERE {vector} @@ q ORDER BY ts_rank({vector}, q, 1) DESC, id LIMIT 3
"""


@pytest.fixture(scope="module")
def db():
    """A database with the notebook's note and search_document tables."""
    database = notebook_database(unique_name("nb06"))
    engine = create_engine(database.url)
    rows = [json.loads(line) for line in CORPUS.open(encoding="utf-8")]
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE note (id serial PRIMARY KEY, title text NOT NULL, description text)"))
        conn.execute(
            text("INSERT INTO note (title, description) VALUES (:title, :description)"),
            [
                {"title": "Backup the database", "description": "Nightly pg_dump to object storage"},
                {"title": "Test the backup restore", "description": None},
                {"title": "Rotate keys", "description": "Also check that the backup is encrypted"},
            ],
        )
        conn.execute(
            text(
                "CREATE TABLE search_document (id int PRIMARY KEY, title text NOT NULL, body text NOT NULL, "
                f"source text NOT NULL, search tsvector GENERATED ALWAYS AS ({WEIGHTED}) STORED)"
            )
        )
        conn.execute(text("INSERT INTO search_document VALUES (:id, :title, :body, :source)"), rows)
    engine.dispose()
    yield database
    with current_server().connect() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database.name)))


def titles(db, vector: str) -> list[str]:
    engine = create_engine(db.url)
    with engine.connect() as conn:
        found = list(conn.execute(text(TOP3.format(vector=vector))).scalars())
    engine.dispose()
    return found


def test_search_box(db):
    assert run_check("nb06-search-box", websearch_to_tsquery("english", "buy milk -organic"), db)[0]
    assert run_check("nb06-search-box", "websearch_to_tsquery('english', 'buy milk -organic')", db)[0]
    passed, message = run_check("nb06-search-box", plainto_tsquery("english", "buy milk -organic"), db)
    assert not passed and "minus" in message
    passed, message = run_check("nb06-search-box", "'buy' & 'milk' & !'organ'", db)
    assert not passed and "not the query's result" in message
    passed, message = run_check("nb06-search-box", func.to_tsquery("english", "buy & milk"), db)
    assert not passed and "gives" in message
    assert not run_check("nb06-search-box", 42, db)[0]


def test_null_safe_count(db):
    assert run_check("nb06-null-safe-count", 3, db)[0]
    passed, message = run_check("nb06-null-safe-count", 2, db)
    assert not passed and "coalesce" in message
    passed, message = run_check("nb06-null-safe-count", 1, db)
    assert not passed and "count with SQL" in message
    assert not run_check("nb06-null-safe-count", "3", db)[0]


def test_weighted_top3(db):
    right = titles(db, "search")
    body_only = titles(db, "to_tsvector('english', body)")
    assert right != body_only
    assert run_check("nb06-weighted-top3", right, db)[0]
    assert run_check("nb06-weighted-top3", tuple(right), db)[0]
    passed, message = run_check("nb06-weighted-top3", body_only, db)
    assert not passed and "ignores the title" in message
    passed, message = run_check("nb06-weighted-top3", list(reversed(right)), db)
    assert not passed and "order" in message
    passed, message = run_check("nb06-weighted-top3", right[:2], db)
    assert not passed and "exactly 3" in message


def make_article(expression: str, persisted: bool | None = True, gin: bool = True, type_=TSVECTOR):
    class Base(SQLModel, registry=registry()):
        pass

    class Article(Base, table=True):
        id: int | None = Field(default=None, primary_key=True)
        headline: str
        body: str
        search: str | None = Field(
            default=None, sa_column=Column(type_, Computed(expression, persisted=persisted))
        )
        __table_args__ = (Index("ix_article_search", "search", postgresql_using="gin"),) if gin else ()

    return Article


def test_searchable_model(db):
    right = "setweight(to_tsvector('english', headline), 'A') || setweight(to_tsvector('english', body), 'B')"
    assert run_check("nb06-searchable-model", make_article(right), db)[0]
    passed, message = run_check("nb06-searchable-model", make_article(right, gin=False), db)
    assert not passed and "gin" in message
    passed, message = run_check("nb06-searchable-model", make_article(right, persisted=None), db)
    assert not passed and "persisted=True" in message
    unweighted = "to_tsvector('english', headline || ' ' || body)"
    passed, message = run_check("nb06-searchable-model", make_article(unweighted), db)
    assert not passed and "setweight" in message
    mutable = "setweight(to_tsvector(headline), 'A') || setweight(to_tsvector(body), 'B')"
    passed, message = run_check("nb06-searchable-model", make_article(mutable), db)
    assert not passed and "immutable" in message
    swapped = (
        "setweight(to_tsvector('english', headline), 'B') || setweight(to_tsvector('english', body), 'A')"
    )
    passed, message = run_check("nb06-searchable-model", make_article(swapped), db)
    assert not passed and "weight A" in message
