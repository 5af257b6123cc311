"""PostgreSQL extensions a lesson needs, with a clear message when one is missing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from course_lib.errors import CourseSetupError

# Where each extension comes from, for the message when a server lacks it.
_SOURCES = {
    "pg_trgm": "the PostgreSQL contrib package (Debian/Ubuntu: postgresql-contrib)",
    "unaccent": "the PostgreSQL contrib package (Debian/Ubuntu: postgresql-contrib)",
    "vector": "pgvector (Debian/Ubuntu: postgresql-NN-pgvector; on Neon it is built in)",
}


def available_extensions(engine: Engine, names: tuple[str, ...]) -> dict[str, bool]:
    """For each name, whether the server can ``CREATE EXTENSION`` it."""
    with engine.connect() as conn:
        found = set(
            conn.execute(
                text("SELECT name FROM pg_available_extensions WHERE name = ANY(:names)"),
                {"names": list(names)},
            ).scalars()
        )
    return {name: name in found for name in names}


def require_extensions(engine: Engine, *names: str) -> None:
    """``CREATE EXTENSION IF NOT EXISTS`` each one, or fail at once saying how to get it."""
    missing = [name for name, ok in available_extensions(engine, names).items() if not ok]
    if missing:
        how = "; ".join(f"{name} comes with {_SOURCES.get(name, 'a separate package')}" for name in missing)
        raise CourseSetupError(
            f"This server has no {', '.join(missing)} extension ({how}). Install it on the server, "
            "or unset DATABASE_URL and COURSE_DB to use the embedded PostgreSQL, which ships it."
        )
    with engine.begin() as conn:
        for name in names:
            conn.execute(text(f'CREATE EXTENSION IF NOT EXISTS "{name}"'))


def require_extensions_or_skip(engine: Engine, *names: str, shell: Any = None) -> bool:
    """Like :func:`require_extensions`, but a server without them skips the rest of the notebook.

    Returns True once the extensions exist. Otherwise it prints one note saying what is missing
    and makes every later cell of this IPython session run as ``pass`` (a notebook whose every
    lesson needs, say, pgvector then runs to its end without an error, on any server), and
    returns False. Outside IPython it only prints the note.
    """
    missing = [name for name, ok in available_extensions(engine, names).items() if not ok]
    if not missing:
        require_extensions(engine, *names)
        return True
    how = "; ".join(f"{name} comes with {_SOURCES.get(name, 'a separate package')}" for name in missing)
    print(
        f"This server has no {', '.join(missing)} extension ({how}): the cells below need it and are "
        "skipped. The committed outputs show them on the embedded PostgreSQL, which ships it."
    )
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    if shell is not None:
        shell.input_transformers_post.append(_skip_cell)
    return False


def _skip_cell(lines: list[str]) -> list[str]:
    return ["pass\n"]
