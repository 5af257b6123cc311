"""course_lib.extensions.require_extensions_or_skip: a notebook whose lessons need an extension the
server lacks says so once and runs to its end (tests/test_older_postgres.py relies on it for 12)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from course_lib.exercises import check_database
from course_lib.extensions import require_extensions_or_skip


class FakeShell:
    def __init__(self) -> None:
        self.input_transformers_post: list = []


@pytest.fixture(autouse=True)
def _server(embedded):
    """A scratch database on the course's embedded server."""


def test_a_missing_extension_skips_every_later_cell(capsys):
    shell = FakeShell()
    with check_database() as engine:
        assert require_extensions_or_skip(engine, "no_such_extension_here", shell=shell) is False
    printed = capsys.readouterr().out
    assert printed.count("\n") == 1
    assert "This server has no no_such_extension_here extension" in printed
    assert "the cells below need it and are skipped" in printed
    (transform,) = shell.input_transformers_post
    assert transform(["x = 1 / 0\n", "raise SystemExit\n"]) == ["pass\n"]


def test_an_available_extension_is_created_and_nothing_is_skipped(capsys):
    shell = FakeShell()
    with check_database() as engine:
        assert require_extensions_or_skip(engine, "vector", shell=shell) is True
        with engine.connect() as conn:
            assert (
                conn.execute(text("SELECT count(*) FROM pg_extension WHERE extname = 'vector'")).scalar() == 1
            )
    assert shell.input_transformers_post == []
    assert capsys.readouterr().out == ""
