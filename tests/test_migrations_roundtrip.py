"""The migration chain of 08_migrations, proven lossless independently of the notebook.

The notebook builds its Alembic project step by step (init, autogenerate, hand edits). This test
runs a copy of the notebook, up to its own proof, in a temporary folder, on a database of its own,
to get the final project (in the folder `course_lib.scratch` gives it, whose own behaviour
tests/test_scratch.py covers); then it takes a *fresh* database through the chain with the
`alembic` command, each run a new process as in a terminal (`course_lib.fresh_process.run`, which
tests/test_fresh_process.py compares with the program): upgrade -> data -> upgrade head ->
downgrade to the first revision -> upgrade head, checking row counts and contents at each step,
then down to base and up again with `alembic check` passing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import nbformat
import psycopg
import pytest
from nbclient import NotebookClient

from course_lib import notebook_database
from course_lib.fresh_process import run

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "08_migrations.ipynb"
REVISIONS = [
    "0001_create_author_and_book.py",
    "0002_add_in_stock.py",
    "0003_add_author_slug.py",
    "0004_rename_year_to_published_year.py",
    "0005_index_book_title.py",
    "0006_unique_title_per_author.py",
    "0007_add_ebook_format.py",
    "0008_index_book_author_id.py",
    "0009_check_published_year_not_valid.py",
    "0010_validate_published_year.py",
    "0011_add_author_full_name.py",
    "0012_backfill_author_full_name.py",
    "0013_drop_author_name.py",
    "0014_add_author_country.py",
    "0015_create_review.py",
    "0016_merge_country_and_review.py",
]

AUTHORS = [(1, "Ursula K. Le Guin"), (2, "Terry Pratchett"), (3, "Octavia E. Butler")]
BOOKS = [
    (1, "A Wizard of Earthsea", 1968, "paperback", 1),
    (2, "The Left Hand of Darkness", 1969, "hardcover", 1),
    (3, "Guards! Guards!", 1989, "paperback", 2),
]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """The notebook's final Alembic project, built by running a copy of the notebook.

    The copy stops where the notebook's own proof of the round trip begins: from there on the
    project's files no longer change (the tests below prove the round trip on a fresh database).
    """
    from helpers import unique_name

    folder = tmp_path_factory.mktemp("nb08")  # the notebook runs here, as in notebooks/
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    proof = next(
        i
        for i, cell in enumerate(notebook.cells)
        if cell.cell_type == "markdown" and cell.source.startswith("## Proof")
    )
    notebook.cells = [*notebook.cells[:proof], nbformat.v4.new_code_cell("print(PROJECT)")]
    own_name = unique_name("nb08_notebook")
    first = notebook.cells[1]
    assert 'notebook_database("08_migrations")' in first.source
    first.source = first.source.replace('"08_migrations"', json.dumps(own_name))
    try:
        NotebookClient(notebook, timeout=600, resources={"metadata": {"path": str(folder)}}).execute()
    finally:
        _drop(own_name)
        _drop(own_name + "_legacy")  # the database the notebook stamps
    scratch = Path(notebook.cells[-1].outputs[0]["text"].strip())
    assert scratch.parent == ROOT / ".scratch" / "08_migrations"  # course_lib.scratch's folder
    assert not list(folder.iterdir()), "the notebook left files in its own folder"
    # The kernel has exited, so the next run of 08 (nbval, beside this test) may remove the folder:
    # the tests work on a copy.
    path = tmp_path_factory.mktemp("nb08_project")
    shutil.copytree(scratch, path, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.rmtree(scratch, ignore_errors=True)
    assert sorted(p.name for p in (path / "migrations" / "versions").glob("0*.py")) == REVISIONS
    return path


@pytest.fixture
def fresh_database(project, monkeypatch):
    """A new, empty database; the `alembic` commands of the test run in the project, on it."""
    from helpers import unique_name

    name = unique_name("nb08_roundtrip")
    db = notebook_database(name)
    monkeypatch.chdir(project)
    monkeypatch.setenv("MIGRATIONS_DATABASE_URL", db.url.render_as_string(hide_password=False))
    yield db
    _drop(name)


def _drop(notebook_name: str) -> None:
    from course_lib.server import current_server

    with current_server().connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "course_{notebook_name}" WITH (FORCE)')


def alembic(command_line: str) -> subprocess.CompletedProcess[str]:
    """`alembic <command_line>` in a new process, in the current folder; it must succeed."""
    finished = run(f"alembic {command_line}")
    assert finished.returncode == 0, finished.stdout
    return finished


def rows(db, sql: str) -> list[tuple]:
    with psycopg.connect(db.libpq_url) as conn:
        return [tuple(row) for row in conn.execute(sql)]


def snapshot(db) -> dict[str, list[tuple]]:
    return {table: rows(db, f"SELECT * FROM {table} ORDER BY id") for table in ("author", "book")}


def test_upgrade_downgrade_upgrade_is_lossless(fresh_database):
    db = fresh_database
    alembic("upgrade 0001")
    with psycopg.connect(db.libpq_url) as conn:
        conn.cursor().executemany("INSERT INTO author (id, name) VALUES (%s, %s)", AUTHORS)
        conn.cursor().executemany(
            "INSERT INTO book (id, title, year, format, author_id) VALUES (%s, %s, %s, %s, %s)", BOOKS
        )

    alembic("upgrade head")
    at_head = snapshot(db)
    assert at_head["author"][0] == (1, "ursula-k-le-guin", "Ursula K. Le Guin", None)
    assert at_head["book"][0] == (1, "A Wizard of Earthsea", 1968, "paperback", 1, 0)
    assert [len(v) for v in at_head.values()] == [3, 3]

    alembic("downgrade 0001")
    assert snapshot(db) == {"author": AUTHORS, "book": BOOKS}

    alembic("upgrade head")
    assert snapshot(db) == at_head
    assert "0016 (head)" in alembic("current").stdout

    alembic("downgrade base")
    leftovers = rows(
        db,
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' UNION ALL "
        "SELECT typname::text FROM pg_type WHERE typnamespace = 'public'::regnamespace AND typtype = 'e'",
    )
    assert leftovers == [("alembic_version",)]
    alembic("upgrade head")
    assert "No new upgrade operations detected" in alembic("check").stdout


def test_downgrade_refuses_to_drop_ebook_rows(fresh_database):
    """0007's downgrade fails (and rolls back) rather than lose a book stored as an e-book.

    Each revision runs in its own transaction (transaction_per_migration): the revisions above 0007
    are undone, 0007's own downgrade rolls back, and the database stays at 0007.
    """
    db = fresh_database
    alembic("upgrade head")
    with psycopg.connect(db.libpq_url) as conn:
        conn.execute("INSERT INTO author (id, full_name, slug) VALUES (1, 'A', 'a')")
        conn.execute(
            "INSERT INTO book (id, title, published_year, format, author_id) "
            "VALUES (1, 'T', 2000, 'ebook', 1)"
        )
    refused = run("alembic downgrade 0006")
    assert refused.returncode != 0
    assert "invalid input value for enum bookformat" in refused.stdout
    assert rows(db, "SELECT format::text FROM book") == [("ebook",)]
    assert alembic("current").stdout.strip().endswith("0007")
