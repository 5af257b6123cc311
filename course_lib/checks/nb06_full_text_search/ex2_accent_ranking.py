"""Exercise 2: accents ignored, titles weighted (``nb06-accent-ranking``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from course_lib.checks.nb06_full_text_search.common import _learner_ids, _reference
from course_lib.exercises import Hint, check_database, exercise

DOCS = [
    # (id, title, body): ids not in insertion order
    (20, "Crème brûlée", "A custard with a layer of caramel on top."),
    (11, "Desserts", "Creme brulee, creme caramel and a cafe gourmand."),
    (7, "Cafe au lait", "Coffee with hot milk."),
    (3, "Café culture", "Where a café is a place to meet."),
    (14, "Menu", "Soup, bread, café."),
    (30, "Twin", "A plain café mention."),
    (25, "Twin", "A plain café mention."),
    (9, "Caramel", "Caramel is sugar cooked until brown."),
    (5, "Tea", "Tea with milk."),
    (16, "Café noir", "Black coffee."),
]
ACCENT_SETUP = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE TEXT SEARCH CONFIGURATION english_unaccent (COPY = english)",
    "ALTER TEXT SEARCH CONFIGURATION english_unaccent "
    "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem",
]
WEIGHTED = (
    "setweight(to_tsvector('english_unaccent', title), 'A') || "
    "setweight(to_tsvector('english_unaccent', body), 'B')"
)
ACCENT_RANKING_SQL = f"""
SELECT id FROM doc, websearch_to_tsquery('english_unaccent', :q) AS query
WHERE ({WEIGHTED}) @@ query
ORDER BY ts_rank({WEIGHTED}, query, 1) DESC, id
LIMIT 5
"""
UNWEIGHTED_SQL = ACCENT_RANKING_SQL.replace(WEIGHTED, "to_tsvector('english_unaccent', title || ' ' || body)")
RANKING_BOXES = ["creme brulee", "café", "caramel", "cafe -coffee", "tea", "espresso"]


def _ranked(engine: Engine, q: str) -> list[tuple[int, float]]:
    """Every matching document's id and rank (the reference's)."""
    with engine.connect() as conn:
        return [
            tuple(row)
            for row in conn.execute(
                text(
                    f"SELECT id, ts_rank({WEIGHTED}, query, 1) FROM doc, "
                    f"websearch_to_tsquery('english_unaccent', :q) AS query WHERE ({WEIGHTED}) @@ query"
                ),
                {"q": q},
            )
        ]


@exercise("nb06-accent-ranking", level=2)
def accent_ranking(answer: Any) -> str:
    if not isinstance(answer, str):
        raise Hint("answer_2 should be the SQL, as a string, with :q where the search box's text goes.")
    with check_database() as engine:
        with engine.begin() as conn:
            for statement in ACCENT_SETUP:
                conn.execute(text(statement))
            conn.execute(
                text("CREATE TABLE doc (id integer PRIMARY KEY, title text NOT NULL, body text NOT NULL)")
            )
            conn.execute(
                text("INSERT INTO doc VALUES (:id, :title, :body)"),
                [dict(zip(("id", "title", "body"), doc, strict=True)) for doc in DOCS],
            )
        for q in RANKING_BOXES:
            expected = _reference(engine, ACCENT_RANKING_SQL, q=q)
            got = _learner_ids(engine, answer, q)
            if got == expected:
                continue
            if len(got) > 5:
                raise Hint(f"for {q!r} you returned {len(got)} documents: the 5 best only (LIMIT 5).")
            if set(got) - set(_reference(engine, ACCENT_RANKING_SQL.replace("LIMIT 5", ""), q=q)):
                raise Hint("a document that does not match came back: keep only rows where vector @@ query.")
            if (q == "creme brulee" and 20 not in got) or (q == "café" and 7 not in got):
                raise Hint(
                    f"for {q!r} a document that differs only by its accents is missing: ignore accents on "
                    "both sides, with the notebook's english_unaccent configuration (or unaccent() on the "
                    "text and on the search box)."
                )
            if got == _reference(engine, UNWEIGHTED_SQL, q=q):
                raise Hint(
                    f"for {q!r} a match in a title should rank above one in a body: "
                    "setweight(to_tsvector(..., title), 'A') || setweight(to_tsvector(..., body), 'B')."
                )
            ranks = dict(_ranked(engine, q))
            if [ranks.get(id_) for id_ in got] == [ranks[id_] for id_ in expected]:
                raise Hint(f"for {q!r}, documents of equal rank come in another order: ties by id.")
            if sorted(got) == sorted(expected):
                raise Hint(f"for {q!r}, the right documents in another order: ts_rank(..., 1) DESC, then id.")
            if got == expected[: len(got)]:
                raise Hint(f"for {q!r} you returned {len(got)} documents: a page is the 5 best (LIMIT 5).")
            raise Hint(f"for :q = {q!r}, on the check's own documents, expected ids {expected}, got {got}.")
    return "accents ignored both ways, titles above bodies, ties by id, one page."
