"""What several of notebook 06's checks share."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from course_lib.exercises import Hint, LearnerError, learner_rows


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
