"""A failed connection explained in one paragraph: what happened, and what to do."""

from __future__ import annotations

from sqlalchemy.engine import URL

from course_lib.urls import mask_text


def explain_connect_error(setting: str, kind: str, url: URL, error: Exception, timeout: int) -> str:
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
    lowered = detail.lower()
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return (
            f"{setting}: the server at {where} refused the password for user {url.username!r}. "
            f"Check the user and password in {setting} (the password is not shown here)."
        )
    if "timeout expired" in lowered:
        return (
            f"{setting}: no answer from {where} within {timeout} s. Check the "
            "host and port, that the server is running and reachable from here (firewall, VPN), "
            "or unset DATABASE_URL to use the embedded PostgreSQL."
        )
    if "does not exist" in lowered and "database" in lowered:
        return (
            f"{setting}: the database {url.database!r} does not exist on {where}. Name an "
            "existing database in the URL (often 'postgres' or, on Neon, 'neondb')."
        )
    if kind == "embedded":
        return (
            f"Could not connect to the embedded PostgreSQL ({last_line}). Run "
            "`python -m course_lib stop` and try again."
        )
    return (
        f"{setting}: cannot connect to {where} ({last_line}). Check the host and port, that "
        "the server is running, or unset DATABASE_URL to use the embedded PostgreSQL."
    )
