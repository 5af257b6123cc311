"""Counting the statements an engine sends: the N+1 lesson's measuring tape."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine


@dataclass
class QueryCounter:
    """The statements seen so far (and their parameters); ``count`` is how many."""

    statements: list[str] = field(default_factory=list)
    parameters: list[Any] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    def __repr__(self) -> str:
        return f"QueryCounter(count={self.count})"


@contextmanager
def count_queries(engine: Engine | AsyncEngine) -> Iterator[QueryCounter]:
    """Count every statement sent through ``engine`` inside the ``with`` block.

    >>> with count_queries(engine) as counter:
    ...     session.exec(select(Hero)).all()
    >>> counter.count
    1
    """
    sync_engine = engine.sync_engine if isinstance(engine, AsyncEngine) else engine
    counter = QueryCounter()

    def before_execute(conn, cursor, statement, parameters, context, executemany):
        counter.statements.append(statement)
        counter.parameters.append(parameters)

    event.listen(sync_engine, "before_cursor_execute", before_execute)
    try:
        yield counter
    finally:
        event.remove(sync_engine, "before_cursor_execute", before_execute)
