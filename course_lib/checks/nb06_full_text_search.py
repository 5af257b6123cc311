"""Checks for notebooks/06_full_text_search.ipynb.

Every check works in a scratch database of its own (:func:`check_database`), on rows the
learner has not seen: NULL descriptions and tags, a match only in the tags, accents in the
documents and in the search box, ties, more matches than a page. Queries are run with
several search-box inputs (syntax, stop words only, unbalanced quotes) and compared with
the reference SQL's rows; a model is created there and probed through the catalog and
with raw SQL.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from course_lib.exercises import Hint, LearnerError, check_database, exercise, learner_rows


def _reference(engine: Engine, sql: str, **params: Any) -> list[int]:
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(text(sql), params)]


def _ids(found: list[tuple]) -> list[int]:
    if any(len(row) != 1 for row in found):
        raise Hint("select one column: the id.")
    if not all(isinstance(row[0], int) for row in found):
        raise Hint("the column should be the id (an integer).")
    return [row[0] for row in found]


def _learner_ids(engine: Engine, sql: str, q: str, config: str | None = None) -> list[int]:
    with engine.connect() as conn:
        if config:  # another server's default configuration, for this transaction only
            conn.execute(text("SELECT set_config('default_text_search_config', :c, true)"), {"c": config})
        try:
            return _ids(learner_rows(conn, sql, q=q))
        except LearnerError as error:
            if "syntax error in tsquery" in str(error.error):
                raise Hint(
                    f"the input {q!r} made your query raise a tsquery syntax error: to_tsquery reads query "
                    "syntax, not what people type. websearch_to_tsquery never raises."
                ) from None
            raise


# --- exercise 1: search notes, NULL-safe, with the search box's syntax -----------------------

NOTES = [
    # (id, title, description, tags)
    (1, "Backup the database", "Nightly dump to object storage", None),
    (2, "Test the backups restore", None, "ops"),
    (3, "Rotate keys", "Also check that the backup is encrypted", None),
    (4, "Café menu", None, None),
    (5, "Plan the restore drill", "Restore from last night's copy", "backup, drills"),
    (6, "Write tests", "Unit tests for the exporter", "testing"),
]
NOTE_SEARCH_SQL = """
SELECT id FROM note
WHERE to_tsvector('english', concat_ws(' ', title, description, tags)) @@ websearch_to_tsquery('english', :q)
ORDER BY id
"""
SEARCH_BOXES = ["backup", "restore -test", '"nightly dump"', "it's \"unbalanced", "the", ""]


@contextlib.contextmanager
def _notes() -> Iterator[Engine]:
    with check_database() as engine:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "CREATE TABLE note "
                    "(id integer PRIMARY KEY, title text NOT NULL, description text, tags text)"
                )
            )
            conn.execute(
                text("INSERT INTO note VALUES (:id, :title, :description, :tags)"),
                [dict(zip(("id", "title", "description", "tags"), note, strict=True)) for note in NOTES],
            )
        yield engine


@exercise("nb06-note-search", level=1)
def note_search(answer: Any) -> str:
    if not isinstance(answer, str):
        raise Hint("answer_1 should be the SQL, as a string, with :q where the search box's text goes.")
    with _notes() as engine:
        if len({tuple(_learner_ids(engine, answer, q)) for q in SEARCH_BOXES}) == 1:
            raise Hint(
                "your query gives the same rows whatever the input: search for :q (the check runs it with "
                "several search-box inputs, on its own notes)."
            )
        for q in SEARCH_BOXES:
            expected = _reference(engine, NOTE_SEARCH_SQL, q=q)
            got = _learner_ids(engine, answer, q)
            if got == expected:
                continue
            if sorted(got) == expected:
                raise Hint("the right notes, not in order: ORDER BY id.")
            missing = set(expected) - set(got)
            if q == "backup" and 2 in missing:
                raise Hint(
                    "a note without a description is missing although its title matches: text || NULL is "
                    "NULL, so it has no vector at all. coalesce(column, '') or concat_ws(' ', ...)."
                )
            if q == "backup" and 5 in missing:
                raise Hint("a note whose tags match is missing: search the tags too.")
            if q == "backup" and 3 in missing:
                raise Hint("a note whose description matches is missing: search the description too.")
            if q in ("restore -test", '"nightly dump"'):
                raise Hint(
                    f"for {q!r} you found notes {got}: the search box has a syntax (-word excludes a word, "
                    '"quotes" make a phrase) that websearch_to_tsquery reads and plainto_tsquery ignores.'
                )
            raise Hint(f"for :q = {q!r}, on the check's own notes, expected ids {expected}, got {got}.")
        for q in SEARCH_BOXES[:3]:
            if _learner_ids(engine, answer, q, config="pg_catalog.simple") != _reference(
                engine, NOTE_SEARCH_SQL, q=q
            ):
                raise Hint(
                    "right on this server, wrong on one whose default_text_search_config is 'simple': "
                    "name the configuration in both calls, to_tsvector('english', ...) and "
                    "websearch_to_tsquery('english', :q)."
                )
    return "NULL-safe, search-box syntax, and the same answer on any server."


# --- exercise 2: accents ignored, titles weighted --------------------------------------------

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


# --- exercise 3: a model whose search column PostgreSQL keeps current -------------------------


def _catalog(engine: Engine, table: str) -> dict[str, Any]:
    with engine.connect() as conn:
        column = conn.execute(
            text(
                "SELECT attgenerated, format_type(atttypid, atttypmod), attnum FROM pg_attribute "
                "WHERE attrelid = CAST(:t AS regclass) AND attname = 'search' AND NOT attisdropped"
            ),
            {"t": f'"{table}"'},
        ).first()
        gin = conn.execute(
            text(
                "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "JOIN pg_am am ON am.oid = c.relam JOIN pg_attribute a "
                "ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) "
                "WHERE i.indrelid = CAST(:t AS regclass) AND am.amname = 'gin' AND a.attname = 'search'"
            ),
            {"t": f'"{table}"'},
        ).scalar_one()
    return {"column": column, "gin": gin}


@exercise("nb06-product-search-model", level=3)
def product_search_model(answer: Any) -> str:
    table = getattr(answer, "__table__", None)
    if not isinstance(answer, type) or table is None:
        raise Hint("answer_3 should be the table model class itself (declared with table=True).")
    missing = {"id", "name", "description", "search"} - set(table.columns.keys())
    if missing:
        raise Hint(
            f"the table needs the columns id, name, description and search; {sorted(missing)} missing."
        )
    with check_database() as engine:
        try:
            table.create(engine)
        except DBAPIError as error:
            if "not immutable" in str(error.orig):
                raise Hint(
                    "PostgreSQL refused the generated column: its expression is not immutable. Name the "
                    "configuration, to_tsvector('english', ...), as for an index expression, and use "
                    "coalesce(): concat_ws() is only STABLE."
                ) from None
            if "no default operator class" in str(error.orig):
                raise Hint("GIN cannot index search as it is: make search a TSVECTOR column.") from None
            raise LearnerError("table", error) from error
        catalog = _catalog(engine, table.name)
        generated, type_name, _ = catalog["column"]
        if type_name != "tsvector":
            raise Hint(f"search is {type_name}: make it a TSVECTOR column.")
        if generated != "s":
            raise Hint(
                "search is an ordinary column, which nobody keeps up to date: let PostgreSQL compute it, "
                "sa_column=Column(TSVECTOR, Computed('...', persisted=True))."
            )
        insert = text(
            f'INSERT INTO "{table.name}" (name, description) VALUES (:name, :description) RETURNING id'
        )
        with engine.begin() as conn:
            try:
                espresso = conn.execute(
                    insert, {"name": "Espresso machine", "description": None}
                ).scalar_one()
                grinder = conn.execute(
                    insert, {"name": "Grinder", "description": "Burr grinder for espresso beans"}
                ).scalar_one()
            except DBAPIError as error:
                raise LearnerError("table", error) from error

        def found(q: str) -> list[int]:
            with engine.connect() as conn:
                return list(
                    conn.execute(
                        text(
                            f'SELECT id FROM "{table.name}" '
                            "WHERE search @@ websearch_to_tsquery('english', :q) ORDER BY id"
                        ),
                        {"q": q},
                    ).scalars()
                )

        if espresso not in found("espresso machines"):
            raise Hint(
                "a product without a description cannot be found, not even by its name: name || NULL is "
                "NULL. coalesce(description, '') inside the generated expression."
            )
        if grinder not in found("beans"):
            raise Hint(
                "a word of the description does not find its product: put the description in the vector."
            )
        with engine.connect() as conn:
            vector = conn.execute(
                text(f'SELECT search::text FROM "{table.name}" WHERE id = :id'), {"id": grinder}
            ).scalar_one()
        if not (re.search(r"'grinder':1A\b", vector) and re.search(r"'bean':\d+B\b", vector)):
            raise Hint(
                f"the vector is {vector}: weight the name 'A' and the description 'B', "
                "setweight(to_tsvector('english', name), 'A') || setweight(..., 'B')."
            )
        with engine.begin() as conn:
            conn.execute(
                text(f'UPDATE "{table.name}" SET name = :n WHERE id = :id'), {"n": "Mill", "id": grinder}
            )
        if grinder not in found("mill"):
            raise Hint("after an UPDATE of the name, the vector still has the old name.")
        if not catalog["gin"]:
            raise Hint(
                "no GIN index on search: __table_args__ = (Index('ix_..._search', 'search', "
                "postgresql_using='gin'),)."
            )
    return "PostgreSQL keeps the weighted vector current, NULL-safe, and a GIN index serves @@."
