"""A fresh database per notebook, on whichever server the course uses."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import psycopg
from psycopg import sql
from sqlalchemy.engine import URL

from course_lib.errors import CourseSetupError
from course_lib.server import CourseServer, current_server
from course_lib.urls import asyncpg_url, libpq_url, mask_url, sync_url

PREFIX = "course_"
_VALID_NAME = re.compile(r"^[a-z0-9_]{1,50}$")


@dataclass(frozen=True, repr=False)
class NotebookDatabase:
    """The URLs a notebook needs for its own database.

    - ``url``: SQLAlchemy, psycopg 3 (``create_engine(db.url)``; also works with
      ``create_async_engine`` for psycopg's async mode).
    - ``async_url``: SQLAlchemy, asyncpg (``create_async_engine(db.async_url)``).
    - ``libpq_url``: plain ``postgresql://`` for psql, ``psycopg.connect`` and ``%sql``.

    Printing it never shows a password or a socket path.
    """

    notebook: str
    name: str
    url: URL
    async_url: URL
    libpq_url: str = field(repr=False)

    @property
    def async_psycopg_url(self) -> URL:
        return self.url

    def __repr__(self) -> str:
        return f"NotebookDatabase(notebook={self.notebook!r}, name={self.name!r}, url={mask_url(self.url)!r})"


def database_name(notebook: str) -> str:
    if not _VALID_NAME.match(notebook):
        raise CourseSetupError(
            f"notebook_database({notebook!r}): use the notebook's file name without "
            "'.ipynb', in lower case letters, digits and '_' (at most 50), e.g. '03_relationships'."
        )
    return PREFIX + notebook


def describe(server: CourseServer, notebook: str) -> NotebookDatabase:
    """The URLs of a notebook's database, without creating it."""
    name = database_name(notebook)
    url = server.url.set(database=name)
    return NotebookDatabase(notebook, name, sync_url(url), asyncpg_url(url), libpq_url(url))


def notebook_database(notebook: str) -> NotebookDatabase:
    """Drop and recreate the notebook's own database; return its URLs.

    Running a notebook again starts from an empty database; two notebooks never
    share one.  Connections still open to the old database are closed (FORCE).
    """
    server = current_server()
    db = describe(server, notebook)
    with server.connect() as conn:
        # Serialises two kernels running the same notebook at the same moment.
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (db.name,))
        try:
            ident = sql.Identifier(db.name)
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(ident))
            # Outputs must not depend on the machine's time zone (error messages print
            # timestamptz values in the session's zone).
            conn.execute(sql.SQL("ALTER DATABASE {} SET timezone TO 'UTC'").format(ident))
        except psycopg.errors.InsufficientPrivilege as error:
            if "must be owner" in str(error):  # made earlier by another role: CREATEDB would not help
                raise CourseSetupError(_owner_advice(server, db.name)) from None
            raise CourseSetupError(_grant_advice(server)) from None
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (db.name,))
    return db


def course_databases(server: CourseServer | None = None) -> list[str]:
    """Names of the notebook databases on the server."""
    server = server or current_server()
    with server.connect() as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s ORDER BY datname",
            (PREFIX.replace("_", r"\_") + "%",),
        ).fetchall()
    return [row[0] for row in rows]


def drop_course_databases(server: CourseServer | None = None) -> list[str]:
    """Drop every notebook database (the course-wide reset)."""
    server = server or current_server()
    names = course_databases(server)
    with server.connect() as conn:
        for name in names:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    return names


def _grant_advice(server: CourseServer) -> str:
    user = server.url.username or "your role"
    return (
        f"{server.setting}: the role {user!r} may not create databases, and every notebook "
        "needs a fresh one of its own. Ask the server's administrator to run "
        f'ALTER ROLE "{user}" CREATEDB; or set DATABASE_URL to a role that has CREATEDB '
        "(on Neon, the role created with the project has it), or unset DATABASE_URL to use "
        "the embedded PostgreSQL."
    )


def _owner_advice(server: CourseServer, name: str) -> str:
    user = server.url.username or "your role"
    return (
        f"{server.setting}: the database {name!r} already exists and belongs to another role, so "
        f"{user!r} may not drop it to start afresh. Drop it as its owner (DROP DATABASE "
        f'"{name}" WITH (FORCE);), or connect as the role that made it.'
    )
