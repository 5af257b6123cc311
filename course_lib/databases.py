"""A fresh database per notebook, on whichever server the course uses."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
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
    #: The server's major version (``18`` for PostgreSQL 18.6): cells that need a newer
    #: server than 15 test it, e.g. ``if db.server_version >= 18: ...``.
    server_version: int = 18

    def __repr__(self) -> str:
        return f"NotebookDatabase(notebook={self.notebook!r}, name={self.name!r}, url={mask_url(self.url)!r})"


def database_name(notebook: str) -> str:
    if not _VALID_NAME.match(notebook):
        raise CourseSetupError(
            f"notebook_database({notebook!r}): use the notebook's file name without "
            "'.ipynb', in lower case letters, digits and '_' (at most 50), e.g. '03_relationships'."
        )
    return PREFIX + notebook


#: The version the committed outputs come from; older servers get a one-line note.
OUTPUTS_VERSION = 18
#: What differs on a server older than OUTPUTS_VERSION (shown in that note).
_NEWER_FEATURES = "uuidv7(), skip scan, RETURNING old/new, 'Index Searches' in EXPLAIN"


def describe(server: CourseServer, notebook: str, server_version: int = OUTPUTS_VERSION) -> NotebookDatabase:
    """The URLs of a notebook's database, without creating it."""
    name = database_name(notebook)
    url = server.url.set(database=name)
    return NotebookDatabase(notebook, name, sync_url(url), asyncpg_url(url), libpq_url(url), server_version)


def notebook_database(notebook: str) -> NotebookDatabase:
    """Create the notebook's own database, or empty it if it exists; return its URLs.

    Running a notebook again starts from an empty database; two notebooks never
    share one.  Connections still open to it are closed.
    """
    server = current_server()
    with server.connect() as conn:
        version = int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000
        db = describe(server, notebook, version)
        # Serialises two kernels running the same notebook at the same moment.
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (db.name,))
        try:
            if not empty_or_create(server, conn, db.name):
                create_fresh_database(server, conn, db.name)  # another role's: explains what to do
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (db.name,))
    if version < OUTPUTS_VERSION:
        print(
            f"Note: this server is PostgreSQL {version}; the course's outputs come from "
            f"PostgreSQL {OUTPUTS_VERSION}. Cells that need {OUTPUTS_VERSION} ({_NEWER_FEATURES}) "
            "say so and show the older way."
        )
    return db


def create_fresh_database(server: CourseServer, conn: psycopg.Connection, name: str) -> None:
    """Drop ``name`` if it exists (closing its connections) and create it empty, in UTC.

    ``conn`` is an autocommit connection to ``server`` (``server.connect()``).
    """
    ident = sql.Identifier(name)
    try:
        _drop(conn, ident)
        conn.execute(sql.SQL("CREATE DATABASE {}").format(ident))
        # Outputs must not depend on the machine's time zone (error messages print
        # timestamptz values in the session's zone).
        conn.execute(sql.SQL("ALTER DATABASE {} SET timezone TO 'UTC'").format(ident))
    except psycopg.errors.InsufficientPrivilege as error:
        if "must be owner" in str(error):  # made earlier by another role: CREATEDB would not help
            raise CourseSetupError(_owner_advice(server, name)) from None
        raise CourseSetupError(_grant_advice(server)) from None


def drop_database(server: CourseServer, name: str) -> None:
    """Drop ``name`` if it exists, closing its connections (FORCE)."""
    with server.connect() as conn:
        _drop(conn, sql.Identifier(name))


#: Scratch databases for exercise checks: ``course-check-0``, ``-1``, ... one per check running
#: at that moment, claimed with a session advisory lock in this key space and reused. The hyphen
#: keeps them apart from notebook databases, whose names have none.
CHECK_PREFIX = "course-check-"
_CHECK_LOCKS = 0x636F7572  # the advisory-lock key space of the scratch slots ("cour")
_CHECK_SLOTS = 64
# Empties the database it runs in, back to what CREATE DATABASE makes (schemas dropped with
# everything in them, extensions too; public as PostgreSQL 15+ makes it), writing nothing if it is.
_EMPTY = """
DO $empty$
DECLARE item record;
BEGIN
    FOR item IN SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%'
                AND nspname NOT IN ('information_schema', 'public') LOOP
        EXECUTE format('DROP SCHEMA %I CASCADE', item.nspname);
    END LOOP;
    IF NOT EXISTS (SELECT FROM pg_namespace
                   WHERE nspname = 'public' AND nspowner = 'pg_database_owner'::regrole
                   AND nspacl::text[] = '{pg_database_owner=UC/pg_database_owner,=U/pg_database_owner}')
       OR EXISTS (SELECT FROM pg_depend JOIN pg_namespace ON pg_namespace.oid = refobjid
                  WHERE refclassid = 'pg_namespace'::regclass AND nspname = 'public') THEN
        DROP SCHEMA IF EXISTS public CASCADE;
        CREATE SCHEMA public AUTHORIZATION pg_database_owner;
        GRANT USAGE ON SCHEMA public TO PUBLIC;
    END IF;
    PERFORM lo_unlink(oid) FROM pg_largeobject_metadata;
END
$empty$
"""
# What _EMPTY does not undo: the database is then dropped and made afresh.
_UNUSUAL = """
SELECT EXISTS (SELECT FROM pg_default_acl WHERE defaclnamespace = 0)
    OR EXISTS (SELECT FROM pg_event_trigger) OR EXISTS (SELECT FROM pg_publication)
"""


@contextlib.contextmanager
def scratch_database(server: CourseServer) -> Iterator[str]:
    """The name of an empty database (in UTC) that is this caller's until the block ends.

    A check claims a free slot (a session advisory lock, released even if the process dies)
    and empties it (:func:`empty_or_create`). Two checks at once get two slots.
    """
    with server.connect() as claim:
        for slot in range(_CHECK_SLOTS):
            name = f"{CHECK_PREFIX}{slot}"
            if not claim.execute("SELECT pg_try_advisory_lock(%s, %s)", (_CHECK_LOCKS, slot)).fetchone()[0]:
                continue
            if empty_or_create(server, claim, name):
                break
            claim.execute("SELECT pg_advisory_unlock(%s, %s)", (_CHECK_LOCKS, slot))  # another role's
        else:
            raise CourseSetupError(f"{_CHECK_SLOTS} exercise checks are running at once on this server.")
        yield name  # left as the check leaves it: the next claim of this slot empties it


def empty_or_create(server: CourseServer, conn: psycopg.Connection, name: str) -> bool:
    """Make ``name`` an empty database in UTC: emptied if it exists, else created.

    Emptying (milliseconds) is what CREATE DATABASE gives (0.3-1 s: it copies and syncs
    ``template1``), connections left open closed. False, with nothing done, if it is another role's.
    """
    owned = conn.execute(
        "SELECT datdba = current_user::regrole FROM pg_database WHERE datname = %s", (name,)
    ).fetchone()
    if owned is None:
        create_fresh_database(server, conn, name)
    elif owned[0]:
        _empty(server, conn, name)
    return owned is None or owned[0]


def _empty(server: CourseServer, claim: psycopg.Connection, name: str) -> None:
    claim.execute(
        "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
        " WHERE datname = %s AND pid <> pg_backend_pid()",
        (name,),
    )
    settings = claim.execute(
        "SELECT setconfig FROM pg_db_role_setting JOIN pg_database ON pg_database.oid = setdatabase"
        " WHERE datname = %s AND setrole = 0",
        (name,),
    ).fetchone()
    if settings is None or settings[0] != ["TimeZone=UTC"]:
        ident = sql.Identifier(name)
        claim.execute(sql.SQL("ALTER DATABASE {} RESET ALL").format(ident))
        claim.execute(sql.SQL("ALTER DATABASE {} SET timezone TO 'UTC'").format(ident))
    with server.connect(name) as conn:
        unusual = conn.execute(_UNUSUAL).fetchone()[0]
        if not unusual:
            conn.execute(_EMPTY)
    if unusual:
        create_fresh_database(server, claim, name)


def _drop(conn: psycopg.Connection, ident: sql.Identifier, attempts: int = 50) -> None:
    """DROP DATABASE ... WITH (FORCE), waiting out a process the role may not end.

    A role without superuser may only terminate sessions of roles it belongs to; a
    short-lived process of another role in the database (seen on PostgreSQL 15 right
    after a check's scratch database was used) makes the drop fail for that moment.
    """
    for attempt in range(attempts):
        try:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
            return
        except psycopg.errors.InsufficientPrivilege as error:
            if "whose process is being terminated" not in str(error) or attempt == attempts - 1:
                raise
            time.sleep(0.1)


def course_databases(server: CourseServer | None = None) -> list[str]:
    """Names of the notebook databases on the server."""
    return _databases_like(server or current_server(), PREFIX.replace("_", r"\_") + "%")


def drop_course_databases(server: CourseServer | None = None) -> list[str]:
    """Drop every notebook database and the checks' scratch databases (the course-wide reset);
    return the notebook databases' names."""
    server = server or current_server()
    names = course_databases(server)
    with server.connect() as conn:
        for name in [*names, *_databases_like(server, CHECK_PREFIX + "%")]:
            _drop(conn, sql.Identifier(name))
    return names


def _databases_like(server: CourseServer, pattern: str) -> list[str]:
    with server.connect() as conn:
        query = "SELECT datname FROM pg_database WHERE datname LIKE %s ORDER BY datname"
        return [row[0] for row in conn.execute(query, (pattern,))]


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
