"""Deterministic display: the ``%sql`` magic set up quietly, and the SQL a lesson shows.

Nothing here prints a timing, an address or a connection string, so notebook
outputs are the same on every run and every machine.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from course_lib.databases import NotebookDatabase


def setup_sql_magic(db: NotebookDatabase, shell: Any = None) -> None:
    """Load ipython-sql and connect ``%sql`` to the notebook's database, quietly.

    - ``displaycon = False``: ipython-sql would otherwise print the connection
      string (with the embedded server's socket path) above every result;
    - ``feedback = False``: no "N rows affected" lines;
    - ``autopandas = True``: results come back as pandas DataFrames.
    """
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    if shell is None:
        raise RuntimeError("setup_sql_magic() works inside IPython or Jupyter only.")
    shell.run_line_magic("load_ext", "sql")
    shell.run_line_magic("config", "SqlMagic.displaycon = False")
    shell.run_line_magic("config", "SqlMagic.feedback = False")
    shell.run_line_magic("config", "SqlMagic.autopandas = True")
    # ipython-sql takes a SQLAlchemy URL; render it with its password to connect.
    shell.run_line_magic("sql", db.url.render_as_string(hide_password=False))


def _format_params(parameters: Any) -> str:
    if not parameters:
        return ""
    if isinstance(parameters, dict):
        # Sorted: the ORM builds these from instance state, whose key order varies between runs.
        return "{" + ", ".join(f"{key!r}: {value!r}" for key, value in sorted(parameters.items())) + "}"
    if isinstance(parameters, list):  # executemany: one parameter set per row
        shown = ", ".join(_format_params(p) for p in parameters[:3])
        more = f", ... {len(parameters)} parameter sets in all" if len(parameters) > 3 else ""
        return f"[{shown}{more}]"
    return repr(parameters)


@contextmanager
def show_sql(engine: Engine | AsyncEngine, params: bool = True) -> Iterator[None]:
    """Print each statement the engine sends, without the timings and ids of ``echo=True``.

    ``BEGIN``/``COMMIT``/``ROLLBACK`` are printed too, because where a
    transaction starts and ends is part of most lessons.
    """
    sync_engine = engine.sync_engine if isinstance(engine, AsyncEngine) else engine

    def before_execute(conn, cursor, statement, parameters, context, executemany):
        print(textwrap.dedent(statement).strip())
        if params and parameters:
            print(f"  -- parameters: {_format_params(parameters)}")

    def on_begin(conn) -> None:
        print("BEGIN")

    def on_commit(conn) -> None:
        print("COMMIT")

    def on_rollback(conn) -> None:
        print("ROLLBACK")

    listeners = [
        ("before_cursor_execute", before_execute),
        ("begin", on_begin),
        ("commit", on_commit),
        ("rollback", on_rollback),
    ]
    for name, listener in listeners:
        event.listen(sync_engine, name, listener)
    try:
        yield
    finally:
        for name, listener in listeners:
            event.remove(sync_engine, name, listener)


@contextmanager
def expect_error(*expected: type[BaseException], full: bool = False) -> Iterator[None]:
    """Run a block that must fail; print the error the way a learner should read it.

    The pitfall cells use it: the failing case really runs, the notebook goes on,
    and the output holds the error's type and message but no traceback (whose
    file paths differ from machine to machine).  If nothing is raised, or an
    unexpected error is, the cell fails: the pitfall's claim is checked.
    """
    try:
        yield
    except expected as error:
        print(format_error(error, full=full))
    else:
        names = " or ".join(e.__name__ for e in expected)
        raise AssertionError(f"expected {names}, but the block ran without an error")


MEMORY_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+>")


def format_error(error: BaseException, full: bool = False) -> str:
    """``Type: message``, cut before SQLAlchemy's ``[SQL: ...]`` trailer unless ``full``.

    An object's memory address (SQLAlchemy's ``<User at 0x7f...>``) is left out: it
    changes from run to run and means nothing to the reader.
    """
    text = MEMORY_ADDRESS.sub(">", str(error).strip())
    if not full:
        kept = []
        for line in text.splitlines():
            if line.startswith(("[SQL:", "[parameters:", "(Background on this error")):
                break
            kept.append(line)
        text = "\n".join(kept).strip()
    return f"{type(error).__name__}: {text}"
