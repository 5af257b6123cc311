"""What several of notebook 09's checks share."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError


def _sqlstate(error: BaseException) -> str | None:
    """The SQLSTATE of a database error (SQLAlchemy's wrapper or the driver's own), else None."""
    orig = error.orig if isinstance(error, DBAPIError) else error
    return getattr(orig, "sqlstate", None)


def _constraint(error: BaseException) -> str | None:
    orig = error.orig if isinstance(error, DBAPIError) else error
    diag = getattr(orig, "diag", None)
    return getattr(diag, "constraint_name", None)
