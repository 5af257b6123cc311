"""The migration chain of 08_migrations, proven lossless independently of the notebook.

The notebook builds its Alembic project step by step (init, autogenerate, hand edits). This test
runs a copy of the notebook in a temporary folder, on a database of its own, to get the final
project (in the folder `course_lib.scratch` gives it, whose own behaviour tests/test_scratch.py
covers); then it takes a *fresh* database through the chain with the command-line tool in
subprocesses: upgrade -> data -> upgrade head -> downgrade to the first revision -> upgrade head,
checking row counts and contents at each step, then down to base and up again with
`alembic check` passing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import psycopg
import pytest
from nbclient import NotebookClient

from course_lib import notebook_database

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "08_migrations.ipynb"
ALEMBIC = [sys.executable, "-m", "alembic"]
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
    """The notebook's final Alembic project, built by running a copy of the notebook."""
    from helpers import unique_name

    folder = tmp_path_factory.mktemp("nb08")  # the notebook runs here, as in notebooks/
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    exercises = next(
        i
        for i, cell in enumerate(notebook.cells)
        if cell.cell_type == "markdown" and "## Exercises" in cell.source
    )
    notebook.cells = [*notebook.cells[:exercises], nbformat.v4.new_code_cell("print(PROJECT)")]
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
def fresh_database():
    from helpers import unique_name

    name = unique_name("nb08_roundtrip")
    yield notebook_database(name)
    _drop(name)


def _drop(notebook_name: str) -> None:
    from course_lib.server import current_server

    with current_server().connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "course_{notebook_name}" WITH (FORCE)')


def alembic(project: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, MIGRATIONS_DATABASE_URL=url)
    result = subprocess.run(
        [*ALEMBIC, *args], cwd=project, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def rows(db, sql: str) -> list[tuple]:
    with psycopg.connect(db.libpq_url) as conn:
        return [tuple(row) for row in conn.execute(sql)]


def snapshot(db) -> dict[str, list[tuple]]:
    return {table: rows(db, f"SELECT * FROM {table} ORDER BY id") for table in ("author", "book")}


def test_upgrade_downgrade_upgrade_is_lossless(project, fresh_database):
    db = fresh_database
    url = db.url.render_as_string(hide_password=False)
    alembic(project, url, "upgrade", "0001")
    with psycopg.connect(db.libpq_url) as conn:
        conn.cursor().executemany("INSERT INTO author (id, name) VALUES (%s, %s)", AUTHORS)
        conn.cursor().executemany(
            "INSERT INTO book (id, title, year, format, author_id) VALUES (%s, %s, %s, %s, %s)", BOOKS
        )

    alembic(project, url, "upgrade", "head")
    at_head = snapshot(db)
    assert at_head["author"][0] == (1, "ursula-k-le-guin", "Ursula K. Le Guin", None)
    assert at_head["book"][0] == (1, "A Wizard of Earthsea", 1968, "paperback", 1, 0)
    assert [len(v) for v in at_head.values()] == [3, 3]

    alembic(project, url, "downgrade", "0001")
    assert snapshot(db) == {"author": AUTHORS, "book": BOOKS}

    alembic(project, url, "upgrade", "head")
    assert snapshot(db) == at_head
    assert "0016 (head)" in alembic(project, url, "current").stdout

    alembic(project, url, "downgrade", "base")
    leftovers = rows(
        db,
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' UNION ALL "
        "SELECT typname::text FROM pg_type WHERE typnamespace = 'public'::regnamespace AND typtype = 'e'",
    )
    assert leftovers == [("alembic_version",)]
    alembic(project, url, "upgrade", "head")
    assert "No new upgrade operations detected" in alembic(project, url, "check").stdout


def test_downgrade_refuses_to_drop_ebook_rows(project, fresh_database):
    """0007's downgrade fails (and rolls back) rather than lose a book stored as an e-book.

    Each revision runs in its own transaction (transaction_per_migration): the revisions above 0007
    are undone, 0007's own downgrade rolls back, and the database stays at 0007.
    """
    db = fresh_database
    url = db.url.render_as_string(hide_password=False)
    alembic(project, url, "upgrade", "head")
    with psycopg.connect(db.libpq_url) as conn:
        conn.execute("INSERT INTO author (id, full_name, slug) VALUES (1, 'A', 'a')")
        conn.execute(
            "INSERT INTO book (id, title, published_year, format, author_id) "
            "VALUES (1, 'T', 2000, 'ebook', 1)"
        )
    env = dict(os.environ, MIGRATIONS_DATABASE_URL=url)
    result = subprocess.run(
        [*ALEMBIC, "downgrade", "0006"], cwd=project, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode != 0
    assert "invalid input value for enum bookformat" in result.stdout + result.stderr
    assert rows(db, "SELECT format::text FROM book") == [("ebook",)]
    assert alembic(project, url, "current").stdout.strip().endswith("0007")
