"""The embedded server's life: crash recovery, clean exit, sharing, isolation, privacy.

Every test here runs its own server in a private COURSE_PGDATA, because it stops,
kills or breaks it; the checkout's shared server is never touched. Its data directory is a
copy of one initdb made once (tests/helpers.py), and the watcher stops an unused server after
GRACE seconds instead of the default 5 (COURSE_SERVER_GRACE_SECONDS).
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from helpers import (
    initialised_pgdata,
    memory_tempdir,
    postgres_processes_for,
    run_cli,
    run_python,
    start_python,
    wait_until,
)

from course_lib import embedded, postgres_process

GRACE = 1.0
ENV = {embedded.GRACE_ENV: str(GRACE)}

HOLD = """
import sys, psycopg
from course_lib import notebook_database
db = notebook_database(sys.argv[1])
with psycopg.connect(db.libpq_url, autocommit=True) as conn:
    conn.execute("CREATE TABLE kept (value text)")
    conn.execute("INSERT INTO kept VALUES ('still here')")
print("ready", flush=True)
sys.stdin.read()  # until the test closes stdin (a normal exit: exit handlers run) or kills it
"""

READ_KEPT = """
import sys, psycopg
from course_lib.databases import describe
from course_lib.server import current_server
db = describe(current_server(), sys.argv[1])
with psycopg.connect(db.libpq_url) as conn:
    print(conn.execute("SELECT value FROM kept").fetchone()[0])
"""


@pytest.fixture
def base() -> Iterator[Path]:
    # Not pytest's tmp_path: pytest makes its base folder private (0700) at each
    # session start, which locks out the server's own OS user when run as root.
    folder = memory_tempdir("course-lifecycle-")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def empty_pgdata(base: Path) -> Iterator[Path]:
    path = base / "pgdata"
    yield path
    embedded.stop(path)


@pytest.fixture
def pgdata(empty_pgdata: Path) -> Path:
    return initialised_pgdata(empty_pgdata)


def run_in(pgdata: Path, code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run_python(code, *args, timeout=60, COURSE_PGDATA=str(pgdata), **ENV)


def start_holder(pgdata: Path, notebook: str) -> subprocess.Popen[str]:
    return wait_ready(start_python(HOLD, notebook, COURSE_PGDATA=str(pgdata), **ENV))


def wait_ready(holder: subprocess.Popen[str]) -> subprocess.Popen[str]:
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "ready"
    return holder


def connect(pgdata: Path, notebook: str) -> psycopg.Connection:
    """A connection from this process to a running server (which this process does not start or join)."""
    return psycopg.connect(
        host=postgres_process.socket_dir_of_running(pgdata), user="postgres", dbname=f"course_{notebook}"
    )


def kept(pgdata: Path, notebook: str) -> str:
    with connect(pgdata, notebook) as conn:
        return conn.execute("SELECT value FROM kept").fetchone()[0]


def cli(pgdata: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, timeout=60, COURSE_PGDATA=str(pgdata), **ENV)


def test_server_killed_with_sigkill_recovers_with_data_intact(pgdata: Path) -> None:
    holder = start_holder(pgdata, "keep")
    try:
        postmaster = embedded.postmaster_pid(pgdata)
        assert postmaster is not None
        os.kill(postmaster, signal.SIGKILL)
        assert wait_until(lambda: embedded.postmaster_pid(pgdata) is None, 10, interval=0.05)

        status = cli(pgdata, "status")
        assert status.returncode == 0, status.stderr
        assert "PostgreSQL 18" in status.stdout
        assert "course_keep" in status.stdout
        assert kept(pgdata, "keep") == "still here"  # the server status started: the holder still uses it
    finally:
        holder.kill()


def test_stale_postmaster_pid_is_ignored(pgdata: Path) -> None:
    holder = start_holder(pgdata, "keep")
    holder.kill()
    holder.wait()
    assert embedded.stop(pgdata)
    # A crash left postmaster.pid behind, and its pid now belongs to another program.
    other = subprocess.Popen(["sleep", "60"])
    try:
        pid_file = pgdata / "postmaster.pid"
        pid_file.write_text(f"{other.pid}\n{pgdata}\n0\n5432\n{pgdata}\n\n0 0\nready\n")
        result = run_in(pgdata, READ_KEPT, "keep")
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "still here"
    finally:
        other.kill()


def test_stop_leaves_no_server_process(pgdata: Path) -> None:
    """stop ends every server process (a second stop, which finds none running: test_cli)."""
    holder = start_holder(pgdata, "keep")
    try:
        assert postgres_processes_for(pgdata)
        result = cli(pgdata, "stop")
        assert result.returncode == 0
        assert "stopped" in result.stdout
        assert wait_until(lambda: not postgres_processes_for(pgdata), 10, interval=0.1)
    finally:
        holder.kill()


def test_server_stops_by_itself_after_its_last_user_is_killed(pgdata: Path) -> None:
    holder = start_holder(pgdata, "keep")
    assert postgres_processes_for(pgdata)
    holder.send_signal(signal.SIGKILL)  # like a kernel killed on restart: no exit handlers run
    holder.wait()
    assert wait_until(lambda: not postgres_processes_for(pgdata), GRACE + 10, interval=0.1)


def test_server_outlives_a_kernel_that_exits_while_another_uses_it(pgdata: Path) -> None:
    holders = [start_python(HOLD, name, COURSE_PGDATA=str(pgdata), **ENV) for name in ("long", "short")]
    _, short_lived = holders
    try:
        for holder in holders:  # started at once: either may be the one that started the server
            wait_ready(holder)
        postmaster = embedded.postmaster_pid(pgdata)
        assert postmaster is not None
        _, err = short_lived.communicate("", timeout=60)  # a normal exit: its exit handlers run
        assert short_lived.returncode == 0, err
        time.sleep(2 * GRACE + 1)  # the watcher (every GRACE / 4 s) had its chance to stop it
        assert embedded.postmaster_pid(pgdata) == postmaster
        assert kept(pgdata, "long") == "still here"
    finally:
        for holder in holders:
            holder.kill()


def test_two_checkouts_get_two_servers(base: Path) -> None:
    first = initialised_pgdata(base / "checkout_a" / ".pgdata")
    second = initialised_pgdata(base / "checkout_b" / ".pgdata")
    holders = [start_python(HOLD, "same_name", COURSE_PGDATA=str(path), **ENV) for path in (first, second)]
    try:
        for holder in holders:
            wait_ready(holder)
        first_pid, second_pid = embedded.postmaster_pid(first), embedded.postmaster_pid(second)
        assert first_pid and second_pid and first_pid != second_pid
        with connect(first, "same_name") as conn:
            conn.execute("UPDATE kept SET value = 'written in A'")
        assert kept(first, "same_name") == "written in A"
        assert kept(second, "same_name") == "still here"
    finally:
        for holder in holders:
            holder.kill()
        embedded.stop(first)
        embedded.stop(second)


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to run a command as another OS user"
)
def test_another_os_user_cannot_connect(empty_pgdata: Path) -> None:
    pgdata = empty_pgdata  # made from nothing by course_lib: initdb's own modes are what protects it
    holder = start_holder(pgdata, "private")
    try:
        name = "course_intruder"
        try:
            pwd.getpwnam(name)
        except KeyError:
            subprocess.run(["useradd", "--no-create-home", name], check=True)
        psql = str(embedded.psql_executable())
        result = subprocess.run(
            [psql, "-h", str(pgdata), "-U", "postgres", "-d", "course_private", "-c", "SELECT 1"],
            user=name,
            capture_output=True,
            text=True,
            timeout=30,
            cwd="/",
        )
        assert result.returncode != 0
        assert "Permission denied" in result.stderr or "No such file" in result.stderr
        # The owner (here: root, as the course runs) can.
        with psycopg.connect(f"host={pgdata} user=postgres dbname=course_private") as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        holder.kill()
