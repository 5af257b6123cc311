"""PostgreSQL extensions a lesson needs, with a clear message when one is missing."""

from __future__ import annotations

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
