"""Checks for notebooks/06_full_text_search.ipynb."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Computed, Table, create_engine, insert, select, text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.sql import ColumnElement

from course_lib.databases import NotebookDatabase
from course_lib.exercises import Hint, exercise


def _rows(db: NotebookDatabase, query: str, **params: Any) -> list[Any]:
    engine = create_engine(db.url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(query), params).scalars())
    finally:
        engine.dispose()


@exercise("nb06-search-box")
def search_box(answer: Any, db: NotebookDatabase) -> str:
    if isinstance(answer, str):
        if "websearch_to_tsquery" not in answer and "plainto_tsquery" not in answer:
            raise Hint("give a call such as websearch_to_tsquery('english', '...'), not the query's result.")
        statement = text(f"SELECT CAST(({answer}) AS text)")
    elif isinstance(answer, ColumnElement):
        statement = select(answer)
    else:
        raise Hint(
            "give a SQLAlchemy expression, e.g. websearch_to_tsquery('english', '...'), or its SQL text."
        )
    engine = create_engine(db.url)
    try:
        with engine.connect() as conn:
            result = str(conn.execute(statement).scalar_one())
    finally:
        engine.dispose()
    if result == "'buy' & 'milk' & 'organ'":
        raise Hint("plainto_tsquery ignores the minus sign: websearch_to_tsquery understands -word.")
    if result != "'buy' & 'milk' & !'organ'":
        raise Hint(
            f"that gives {result}; websearch_to_tsquery('english', 'buy milk -organic') gives the right one."
        )
    return f"{result}: websearch_to_tsquery reads search-box syntax."


@exercise("nb06-null-safe-count")
def null_safe_count(answer: Any, db: NotebookDatabase) -> str:
    count = (
        "SELECT count(*) FROM note "
        "WHERE to_tsvector('english', {}) @@ websearch_to_tsquery('english', 'backup')"
    )
    right = _rows(db, count.format("concat_ws(' ', title, description)"))[0]
    naive = _rows(db, count.format("title || ' ' || description"))[0]
    if isinstance(answer, bool) or not isinstance(answer, int):
        raise Hint(f"the answer should be an int, not {type(answer).__name__}.")
    if answer == naive and naive != right:
        raise Hint("a row whose description is NULL was lost: wrap it in coalesce(description, '').")
    if answer != right:
        raise Hint(
            f"{answer} is not the number of matching notes; count with SQL over title and description."
        )
    return f"{right} notes match, including the one without a description."


@exercise("nb06-weighted-top3")
def weighted_top3(answer: Any, db: NotebookDatabase) -> str:
    ranked = """
        SELECT title FROM search_document, websearch_to_tsquery('english', 'temporary file') AS q
        WHERE {vector} @@ q ORDER BY ts_rank({vector}, q, 1) DESC, id LIMIT 3
    """
    right = _rows(db, ranked.format(vector="search"))
    body_only = _rows(db, ranked.format(vector="to_tsvector('english', body)"))
    answer = list(answer) if isinstance(answer, (list, tuple)) else answer
    if not isinstance(answer, list) or not all(isinstance(title, str) for title in answer):
        raise Hint("give a list of title strings.")
    if len(answer) != 3:
        raise Hint(f"give exactly 3 titles, not {len(answer)}: .limit(3).")
    if answer == body_only and body_only != right:
        raise Hint("that ranking ignores the title: rank the weighted search column.")
    if sorted(answer) == sorted(right) and answer != right:
        raise Hint("the right titles in the wrong order: order by the rank, highest first, then by id.")
    if answer != right:
        raise Hint(
            "not the top 3: filter with search @@ query and order by ts_rank(search, query, 1) DESC, id."
        )
    return "titles that match in the title come first."


@exercise("nb06-searchable-model")
def searchable_model(answer: Any, db: NotebookDatabase) -> str:
    table = getattr(answer, "__table__", None)
    if not isinstance(table, Table):
        raise Hint("pass the table model class itself (declared with `table=True`).")
    if table.name != "article":
        raise Hint(f"the table should be named 'article', not {table.name!r}.")
    missing = {"headline", "body", "search"} - set(table.c.keys())
    if missing:
        raise Hint(f"missing column(s): {', '.join(sorted(missing))}.")
    search = table.c.search
    if not isinstance(search.type, TSVECTOR):
        raise Hint(f"search is {search.type!r}: use TSVECTOR from sqlalchemy.dialects.postgresql.")
    computed = search.computed
    if not isinstance(computed, Computed):
        raise Hint("make search a generated column: Column(TSVECTOR, Computed('...', persisted=True)).")
    if computed.persisted is not True:
        raise Hint("a GIN index needs a STORED generated column: Computed(..., persisted=True).")
    expression = " ".join(str(computed.sqltext).split())
    if "setweight" not in expression:
        raise Hint("weight the parts: setweight(to_tsvector('english', headline), 'A') || ... 'B'.")
    gin = [
        index
        for index in table.indexes
        if index.dialect_options["postgresql"]["using"] == "gin" and "search" in index.columns
    ]
    if not gin:
        raise Hint("add Index('ix_article_search', 'search', postgresql_using='gin') to __table_args__.")
    engine = create_engine(db.url)
    try:
        table.drop(engine, checkfirst=True)
        table.create(engine)  # fails here if the expression is not IMMUTABLE
        with engine.begin() as conn:
            conn.execute(insert(table).values(headline="Rats", body="A fat cat sat on a mat."))
            weighted = conn.execute(
                text(
                    "SELECT search @@ to_tsquery('english', 'rat:A') "
                    "AND search @@ to_tsquery('english', 'cat:B') FROM article"
                )
            ).scalar_one()
            table.drop(conn)
    finally:
        engine.dispose()
    if not weighted:
        raise Hint("the headline's words should carry weight A and the body's weight B.")
    return "the generated column is current on every insert and its GIN index serves @@."
