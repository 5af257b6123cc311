"""The check of ``nb08-rename-format``."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from course_lib.checks.nb08_migrations.common import (
    _BOOKS,
    _EDITIONS,
    _books,
    _books_as_before,
    _labels,
    _library,
    _pair,
    _round_trip,
    _run,
    _sqlstate,
)
from course_lib.exercises import Hint, LearnerError, exercise, rows

_RENAMED = {"paperback": "softcover"}


def _formats(engine: Engine) -> tuple[list[tuple], list[tuple]]:
    return (
        rows(engine, "SELECT id, format::text FROM book ORDER BY id"),
        rows(engine, "SELECT id, format::text FROM edition ORDER BY id"),
    )


def _expected_formats(mapping: dict[str, str]) -> tuple[list[tuple], list[tuple]]:
    return (
        [(b[0], mapping.get(b[3], b[3])) for b in _BOOKS],
        [(e[0], mapping.get(e[2], e[2])) for e in _EDITIONS],
    )


def _probe_softcover(engine: Engine, again: bool = False) -> None:
    when = " (after upgrade -> downgrade -> upgrade)" if again else ""
    labels = _labels(engine)
    if labels is None:
        raise Hint(f"after upgrade(){when} there is no type bookformat: the models still call it bookformat.")
    if "softcover" not in labels:
        raise Hint(f"after upgrade(){when} bookformat has no 'softcover': its values are {labels}.")
    if "paperback" in labels:
        raise Hint(
            f"after upgrade(){when} bookformat still offers 'paperback' ({labels}): new rows could still "
            "use the old name. The value itself must be renamed, not only the rows."
        )
    if sorted(labels) != ["ebook", "hardcover", "softcover"]:
        raise Hint(f"bookformat should offer hardcover, softcover and ebook; it offers {labels}.")
    books, editions = _formats(engine)
    expected_books, expected_editions = _expected_formats(_RENAMED)
    if books != expected_books:
        raise Hint(f"the books' formats after upgrade() are {books}; every paperback should be a softcover.")
    if editions != expected_editions:
        raise Hint(
            "the edition table uses bookformat too, and its formats after upgrade() are "
            f"{editions}: every column of that type must follow."
        )


@exercise("nb08-rename-format", level=3)
def rename_format(answer: Any) -> str:
    upgrade, downgrade = _pair(answer)
    with _library() as engine:
        before = _books(engine)
        try:
            _run(engine, upgrade)
        except LearnerError as error:
            if _sqlstate(error) == "55P04":  # unsafe_new_enum_value_usage
                raise Hint(
                    "a value added with ALTER TYPE ... ADD VALUE cannot be used before the transaction "
                    "commits, and a revision runs in one transaction. PostgreSQL can rename an enum "
                    "value in place (see the documentation of ALTER TYPE)."
                ) from None
            if _sqlstate(error) == "2BP01":  # dependent_objects_still_exist
                raise Hint(
                    "the old type cannot be dropped while a column still uses it: the edition table "
                    "has a bookformat column too."
                ) from None
            raise
        _probe_softcover(engine)

        def after_downgrade(engine: Engine) -> None:
            labels = _labels(engine)
            if labels is None or sorted(labels) != ["ebook", "hardcover", "paperback"]:
                raise Hint(
                    f"after downgrade() bookformat should offer hardcover, paperback, ebook, not {labels}."
                )
            if _formats(engine) != _expected_formats({}):
                raise Hint(
                    "after downgrade() every softcover (books and editions) should be a paperback again."
                )
            _books_as_before(engine, before, "paperback again")

        _round_trip(engine, upgrade, downgrade, after_downgrade, _probe_softcover)
    return "every row and every column of the type follow the renamed value, both ways."
