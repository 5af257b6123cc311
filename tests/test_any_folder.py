"""The course works from any folder: spaces, non-ASCII letters, quotes, shell characters, long paths.

The embedded server is started with an argument list (no shell), and its socket goes in a short
private folder when the data directory's path cannot hold it. Each test runs its own server in
a folder of that shape, in a subprocess, and stops it afterwards.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import ROOT, initialised_pgdata, memory_tempdir, run_cli, run_python

from course_lib import embedded, postgres_process

# One folder per way a path can break the server's start: a space, non-ASCII letters, quotes
# (a shell's or PostgreSQL's -k list's), shell characters with the comma that separates the -k
# list, and a path too long for a Unix socket.
FOLDER_NAMES = {
    "space": "my course",
    "non_ascii": "cours de données ü",
    "quotes": 'the learner\'s "course"',
    "shell_characters": "a $HOME `b` & c; d, e",
    "long": "a-very-long-folder-name-" * 6,  # with the base, a socket path far over 107 bytes
}

USE_SERVER = """
import os
from pathlib import Path
from sqlalchemy import create_engine, text
from course_lib import notebook_database, postgres_process
db = notebook_database("zz_any_folder")
engine = create_engine(db.url)
with engine.begin() as conn:
    conn.execute(text("CREATE TABLE note (body text)"))
    conn.execute(text("INSERT INTO note VALUES ('hello from ' || current_database())"))
    print(conn.scalar(text("SELECT body FROM note")))
engine.dispose()
socket_dir = postgres_process.socket_directory(Path(os.environ["COURSE_PGDATA"]))
print((socket_dir / ".s.PGSQL.5432").is_socket())
"""


@pytest.fixture
def odd_base(request) -> Iterator[Path]:
    # Not pytest's tmp_path: it is private (0700), which locks out the server's OS user as root.
    base = memory_tempdir("course-any-folder-") / FOLDER_NAMES[request.param]
    base.mkdir()
    yield base
    pgdata = base / "pgdata"
    if pgdata.exists():
        embedded.stop(pgdata)
    shutil.rmtree(base.parent, ignore_errors=True)


@pytest.mark.parametrize("odd_base", sorted(FOLDER_NAMES), indirect=True)
def test_the_embedded_server_starts_in_any_folder(odd_base: Path) -> None:
    pgdata = odd_base / "pgdata"
    result = run_python(USE_SERVER, COURSE_PGDATA=str(pgdata))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["hello from course_zz_any_folder", "True"]
    assert "Warning" not in result.stderr, result.stderr  # nothing lands in a notebook's first output
    assert embedded.postmaster_pid(pgdata) is None  # its last user exited: the server stopped too


def test_a_plain_short_folder_keeps_its_socket_in_the_data_directory(tmp_path: Path) -> None:
    plain = Path(tempfile.gettempdir()) / "plain_pgdata"
    assert postgres_process.socket_directory(plain) == plain


@pytest.mark.parametrize("name", ["space", "quotes", "long"])
def test_an_odd_folder_gets_a_short_private_socket_folder(name: str) -> None:
    pgdata = Path(tempfile.gettempdir()) / FOLDER_NAMES[name] / "pgdata"
    folder = postgres_process.socket_directory(pgdata)
    try:
        assert folder != pgdata
        assert folder.name.startswith("course-pg-") and " " not in str(folder)
        assert len(str(folder / ".s.PGSQL.5432")) < 100
        assert folder.stat().st_mode & 0o777 == 0o700
        assert postgres_process.socket_directory(pgdata) == folder  # the same folder every time
    finally:
        folder.rmdir()


@pytest.mark.parametrize("odd_base", ["non_ascii"], indirect=True)
def test_status_from_a_checkout_in_an_odd_folder(odd_base: Path) -> None:
    """A checkout (here: a copy of course_lib) in `cours de données ü`, with its own .pgdata.

    Made by copying an initialised one: initdb in such a folder is the test above."""
    shutil.copytree(
        ROOT / "course_lib", odd_base / "course_lib", ignore=shutil.ignore_patterns("__pycache__")
    )
    initialised_pgdata(odd_base / ".pgdata")
    result = run_cli("status", cwd=odd_base)
    try:
        assert result.returncode == 0, result.stderr
        assert "data dir:  .pgdata" in result.stdout
        assert "version:   PostgreSQL 18" in result.stdout
        assert str(odd_base) not in result.stdout  # no machine path in what a learner copies
    finally:
        embedded.stop(odd_base / ".pgdata")
