"""What several of notebook 13's checks share."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError


def _sqlstate(error: BaseException) -> str | None:
    orig = error.orig if isinstance(error, DBAPIError) else error
    return getattr(orig, "sqlstate", None)


def _url_string(engine: Engine, **query: str) -> str:
    return engine.url.update_query_dict(query).render_as_string(hide_password=False)
