"""Display helpers: %sql set up quietly, show_sql, expect_error."""

from __future__ import annotations

import asyncio
import re

import pandas as pd
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.ext.asyncio import create_async_engine

from course_lib import expect_error, notebook_database, setup_sql_magic, show_sql
from course_lib.display import format_error

# What must never reach a notebook's output: connection strings, socket folders, timings, addresses.
LEAKS = re.compile(
    r"postgresql|psycopg|host=|/work/|/tmp/|\.pgdata|\d+\.\d+\s*s\b|0x[0-9a-f]{6,}|\[generated|cached since"
)


@pytest.fixture
def db(scratch_name):
    return notebook_database(scratch_name("display"))


@pytest.fixture
def shell():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    yield shell
    InteractiveShell.clear_instance()


def test_sql_magic_runs_against_the_real_server_quietly(db, shell, capsys):
    setup_sql_magic(db, shell)
    assert capsys.readouterr().out == ""  # connecting printed nothing (no connection string)

    result = shell.run_cell(
        "%%sql\n"
        "CREATE TABLE hero (id int PRIMARY KEY, name text);\n"
        "INSERT INTO hero VALUES (1, 'Deadpond'), (2, 'Rusty-Man');\n"
    )
    assert result.success, result.error_in_exec
    frame = shell.run_line_magic("sql", "SELECT id, name FROM hero ORDER BY id")
    assert isinstance(frame, pd.DataFrame)
    assert frame.to_dict("records") == [{"id": 1, "name": "Deadpond"}, {"id": 2, "name": "Rusty-Man"}]

    result = shell.run_cell("%sql SELECT current_database() AS db")
    assert result.success, result.error_in_exec
    assert isinstance(result.result, pd.DataFrame)
    assert result.result["db"].tolist() == [db.name]
    out = capsys.readouterr().out
    assert "rows affected" not in out and "Done." not in out  # feedback off
    assert not LEAKS.search(out), out


def test_setup_sql_magic_outside_ipython_says_so(db):
    with pytest.raises(RuntimeError, match="inside IPython or Jupyter only"):
        setup_sql_magic(db)


def test_show_sql_prints_statements_and_transactions_without_timings(db, capsys):
    engine = create_engine(db.url)
    with show_sql(engine), engine.connect() as conn:
        conn.execute(text("CREATE TABLE t (x int)"))
        conn.execute(text("INSERT INTO t VALUES (:x)"), [{"x": i} for i in range(5)])
        conn.execute(text("SELECT x FROM t WHERE x > :low ORDER BY x"), {"low": 2}).all()
        conn.commit()
    assert capsys.readouterr().out == (
        "BEGIN\n"
        "CREATE TABLE t (x int)\n"
        "INSERT INTO t VALUES (%(x)s)\n"
        "  -- parameters: [{'x': 0}, {'x': 1}, {'x': 2}, ... 5 parameter sets in all]\n"
        "SELECT x FROM t WHERE x > %(low)s ORDER BY x\n"
        "  -- parameters: {'low': 2}\n"
        "COMMIT\n"
    )
    with engine.connect() as conn:  # after the block: silent again
        conn.execute(text("SELECT 1"))
    assert capsys.readouterr().out == ""
    engine.dispose()


def test_show_sql_without_parameters_and_with_rollback(db, capsys):
    engine = create_engine(db.url)
    with show_sql(engine, params=False), engine.connect() as conn:
        conn.execute(text("SELECT :x AS x"), {"x": 1})
        conn.rollback()
    assert capsys.readouterr().out == "BEGIN\nSELECT %(x)s AS x\nROLLBACK\n"
    engine.dispose()


def test_show_sql_with_an_async_engine(db, capsys):
    async def run() -> None:
        engine = create_async_engine(db.async_url)
        with show_sql(engine):
            async with engine.begin() as conn:
                await conn.execute(text("SELECT 41 + 1"))
        await engine.dispose()

    asyncio.run(run())
    out = capsys.readouterr().out
    assert out.endswith("BEGIN\nSELECT 41 + 1\nCOMMIT\n"), out
    assert not LEAKS.search(out), out


def test_expect_error_prints_type_and_message_without_sql_trailer(db, capsys):
    engine = create_engine(db.url)
    with expect_error(ProgrammingError), engine.connect() as conn:
        conn.execute(text("SELECT nope WHERE 1 = :one"), {"one": 1})
    out = capsys.readouterr().out
    assert out.startswith('ProgrammingError: (psycopg.errors.UndefinedColumn) column "nope" does not exist\n')
    assert "[SQL:" not in out and "sqlalche.me" not in out and "Traceback" not in out
    engine.dispose()


def test_expect_error_full_keeps_the_trailer():
    error = ValueError("first line\n[SQL: SELECT 1]\n[parameters: {}]")
    assert format_error(error) == "ValueError: first line"
    assert format_error(error, full=True) == "ValueError: first line\n[SQL: SELECT 1]\n[parameters: {}]"


def test_format_error_leaves_out_memory_addresses():
    error = RuntimeError("Parent instance <User at 0x7f3a1c2b9d50> is not bound to a Session")
    assert format_error(error) == "RuntimeError: Parent instance <User> is not bound to a Session"


def test_expect_error_accepts_any_of_several_types(capsys):
    with expect_error(KeyError, ZeroDivisionError):
        1 / 0  # noqa: B018
    assert capsys.readouterr().out == "ZeroDivisionError: division by zero\n"


def test_expect_error_fails_when_nothing_is_raised():
    with pytest.raises(AssertionError, match="expected ZeroDivisionError or KeyError, but the block ran"):
        with expect_error(ZeroDivisionError, KeyError):
            pass


def test_expect_error_lets_an_unexpected_error_through():
    with pytest.raises(TypeError):
        with expect_error(ValueError):
            raise TypeError("not the pitfall we meant")
