"""Parsing, converting and masking PostgreSQL connection URLs.

A learner may give ``DATABASE_URL`` in any of the spellings found in the wild:
``postgresql://``, ``postgres://`` (Heroku, Neon's console), or a SQLAlchemy URL
with a driver (``postgresql+psycopg://``, ``postgresql+asyncpg://``...).  The
course turns each into the URLs a notebook needs.
"""

from __future__ import annotations

import re

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from course_lib.errors import CourseSetupError

_ACCEPTED_SCHEMES = ("postgresql", "postgres")

# libpq keywords that asyncpg does not understand.  ``sslmode`` is translated to
# asyncpg's own ``ssl`` keyword; the others are dropped from asyncpg URLs.
_LIBPQ_ONLY = {
    "sslmode",
    "connect_timeout",
    "options",
    "channel_binding",
    "application_name",
    "target_session_attrs",
    "gssencmode",
}

MASK = "***"


def parse_database_url(raw: str, *, setting: str = "DATABASE_URL") -> URL:
    """Parse ``raw`` into a SQLAlchemy URL that uses the psycopg 3 driver.

    Raises :class:`CourseSetupError` naming ``setting`` when ``raw`` is not a
    PostgreSQL URL.  The error message never contains the password.
    """
    example = "postgresql://USER:PASSWORD@HOST:5432/DBNAME"
    try:
        url = make_url(raw.strip())
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise CourseSetupError(
            f"{setting} is not a valid database URL: {mask_text(raw)!r}. "
            f"Use the form {example} (add ?sslmode=require for a managed "
            f"server such as Neon), or unset {setting} to use the embedded PostgreSQL."
        ) from None
    scheme = url.drivername.split("+", 1)[0]
    if scheme not in _ACCEPTED_SCHEMES:
        raise CourseSetupError(
            f"{setting} must point at PostgreSQL, but its scheme is {scheme!r}: "
            f"{mask_url(url)}. Use the form {example}, or unset {setting} to use "
            "the embedded PostgreSQL."
        )
    if url.port is not None and not 0 < url.port < 65536:
        raise CourseSetupError(f"{setting} has an invalid port {url.port}: {mask_url(url)}.")
    if url.host and "@" in url.host:
        # An unencoded '@' in the password: the rest of the password would be read as the host.
        raise CourseSetupError(
            f"{setting} is not a valid database URL: its host part contains '@'. A password "
            "that contains '@', ':' or '/' must be percent-encoded ('@' is written %40)."
        )
    return url.set(drivername="postgresql+psycopg")


def sync_url(url: URL) -> URL:
    """SQLAlchemy URL for the psycopg 3 driver (sync, and async with create_async_engine)."""
    return url.set(drivername="postgresql+psycopg")


def asyncpg_url(url: URL) -> URL:
    """SQLAlchemy URL for the asyncpg driver: libpq-only query keys translated or dropped."""
    query = {k: v for k, v in url.query.items() if k not in _LIBPQ_ONLY}
    sslmode = url.query.get("sslmode")
    if sslmode:  # asyncpg's ssl keyword takes libpq's sslmode values, 'disable' included
        query["ssl"] = sslmode
    return url.set(drivername="postgresql+asyncpg", query=query)


def libpq_url(url: URL) -> str:
    """A plain libpq URL (``postgresql://...``) for psql, psycopg.connect and friends.

    It contains the password: never print it.
    """
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def mask_url(url: URL | str) -> str:
    """A URL safe to print: password masked, machine paths of Unix sockets hidden."""
    if isinstance(url, str):
        try:
            url = make_url(url)
        except ArgumentError:
            return mask_text(url)
    text = url.render_as_string(hide_password=True)
    host = url.query.get("host")
    if isinstance(host, str) and host.startswith("/"):
        text = text.replace(f"host={host}", "host=<socket dir>")
        text = text.replace(f"host={_percent_encode(host)}", "host=<socket dir>")
    return text


def mask_text(text: str, password: str | None = None) -> str:
    """Mask anything that looks like a password in ``text`` (URLs, key=value pairs)."""
    if password:
        text = text.replace(password, MASK)
    # Greedy up to the last '@': a password with an unencoded '@' is masked whole.
    text = re.sub(r"(://[^:/@\s]*:)\S*@", rf"\g<1>{MASK}@", text)
    # user:password@host without a well-formed scheme ("postgresql//alice:pw@host").
    text = re.sub(r"""(^|[\s'"(/=])([^\s:/@'"]+:)[^\s@/]*@""", rf"\g<1>\g<2>{MASK}@", text)
    return re.sub(r"(password\s*=\s*)('[^']*'|\S+)", rf"\g<1>{MASK}", text, flags=re.IGNORECASE)


def _percent_encode(path: str) -> str:
    return path.replace("/", "%2F")
