"""Exercise 3: a model whose search column PostgreSQL keeps current (``nb06-product-search-model``)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from course_lib.exercises import Hint, LearnerError, check_database, exercise


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
