"""Shared helpers for the course_lib tests (and bench/run.py): controlled environments and subprocesses,
server data directories made fast, the course site built once, the exercise-check assertions, the
system's Chromium."""

from __future__ import annotations

import atexit
import contextlib
import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import psutil

if TYPE_CHECKING:
    import pytest

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

# Settings that choose the server: removed from every subprocess unless a test sets them.
COURSE_SETTINGS = (
    "DATABASE_URL",
    "COURSE_DB",
    "COURSE_PGDATA",
    "COURSE_DOCKER_IMAGE",
    "COURSE_CONNECT_TIMEOUT",
)


def clean_env(**overrides: str) -> dict[str, str]:
    """``os.environ`` without the course's settings, plus ``overrides``."""
    env = {k: v for k, v in os.environ.items() if k not in COURSE_SETTINGS}
    env.update(overrides)
    return env


def use_course_settings(monkeypatch: pytest.MonkeyPatch, **settings: str) -> None:
    """This process's environment as :func:`clean_env` makes a subprocess's: only ``settings`` of the
    course's (none: the shared embedded server), for code run in-process (``cli.main``, a check)."""
    for name in COURSE_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    for name, value in settings.items():
        monkeypatch.setenv(name, value)


# --- processes: every test (and bench/run.py) runs its subprocesses through these ------------


def run(
    argv: list[str], *, timeout: float | None = 120, cwd: Path = ROOT, **env: str
) -> subprocess.CompletedProcess[str]:
    """``argv`` with a controlled environment (:func:`clean_env` plus ``env``), output captured as text."""
    return subprocess.run(
        argv, cwd=cwd, env=clean_env(**env), capture_output=True, text=True, timeout=timeout
    )


def run_python(
    code: str, *args: str, timeout: float | None = 120, cwd: Path = ROOT, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` (dedented) in a fresh interpreter, ``args`` as its ``sys.argv[1:]``."""
    return run([PYTHON, "-c", textwrap.dedent(code), *args], timeout=timeout, cwd=cwd, **env)


def run_module(
    module: str, *args: str, timeout: float | None = 120, cwd: Path = ROOT, **env: str
) -> subprocess.CompletedProcess[str]:
    """``python -m MODULE ARGS`` in a fresh interpreter."""
    return run([PYTHON, "-m", module, *args], timeout=timeout, cwd=cwd, **env)


def run_cli(
    *args: str, timeout: float | None = 120, cwd: Path = ROOT, **env: str
) -> subprocess.CompletedProcess[str]:
    """``python -m course_lib ARGS``: the command line a learner types."""
    return run_module("course_lib", *args, timeout=timeout, cwd=cwd, **env)


def start_python(code: str, *args: str, cwd: Path = ROOT, **env: str) -> subprocess.Popen[str]:
    """Start ``code`` (dedented) in a fresh interpreter and return at once; stdin, stdout and stderr
    are pipes (text). Read, ``communicate()`` or kill it yourself."""
    return subprocess.Popen(
        [PYTHON, "-c", textwrap.dedent(code), *args],
        cwd=cwd,
        env=clean_env(**env),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until(condition: Callable[[], object], timeout: float, interval: float = 0.2) -> bool:
    """Poll ``condition`` until it is true or ``timeout`` seconds have passed; its last answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (closed right after it is found)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def short_tempdir(prefix: str) -> Path:
    """A temporary folder with a short path (Unix socket paths are limited to ~100 bytes)."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))


def memory_tempdir(prefix: str) -> Path:
    """A short temporary folder in memory (``/dev/shm``) when there is one with room, else under /tmp.

    For a test's own server data directory (40 MB when new): made, synced, copied and removed
    there in a fraction of the time a disk takes on a busy machine; nothing a test asserts depends
    on the disk.
    """
    shm = Path("/dev/shm")
    with contextlib.suppress(OSError):
        if shm.is_dir() and os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > 2 * 2**30:
            return Path(tempfile.mkdtemp(prefix=prefix, dir=shm))
    return short_tempdir(prefix)


_template_pgdata: Path | None = None


def initialised_pgdata(pgdata: Path) -> Path:
    """``pgdata`` made a copy of a data directory course_lib's ``initdb`` made once per test process.

    ``initdb`` takes seconds, a copy a fraction of one: for tests of what a server does once it
    exists (stop, crash, sharing). Tests of making one (any folder, the wheel) run ``initdb`` itself.
    """
    global _template_pgdata
    from course_lib import postgres_process

    if _template_pgdata is None or not (_template_pgdata / "PG_VERSION").exists():
        folder = memory_tempdir("cl_tpl")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        (folder / "pgdata").mkdir()
        postgres_process.initdb(folder / "pgdata")
        _template_pgdata = folder / "pgdata"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["cp", "-pR", str(_template_pgdata), str(pgdata)], check=True)  # owner and modes kept
    if postgres_process.server_user() is not None:  # as root: the server's OS user must reach it
        _, utils = postgres_process.wheel()
        utils.ensure_prefix_permissions(pgdata)
    return pgdata


def unique_name(label: str) -> str:
    """A notebook name no other test run on the shared server uses at the same time."""
    return f"zz_t{os.getpid()}_{label}"


def postgres_processes_for(pgdata: Path) -> list[psutil.Process]:
    """Server processes started on ``pgdata`` (a clean stop leaves none)."""
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        with contextlib.suppress(psutil.Error):
            if process.info["name"] == "postgres" and str(pgdata) in " ".join(process.info["cmdline"] or []):
                found.append(process)
    return found


def postgres_bin_dir() -> Path | None:
    """Where the system PostgreSQL server binaries are (Debian: /usr/lib/postgresql/N/bin), or None."""
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        path = Path(candidate)
        if (path / "initdb").exists() and (path / "pg_ctl").exists():
            return path
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).resolve().parent
    return None


def course_site(basetemp: Path) -> tuple[Path, dict[str, object]]:
    """The course website, built once per test session by ``python -m course_lib html`` with no server
    reachable, for test_site.py and test_site_browser.py (on any xdist worker: under a lock, in the
    folder the workers' temporary folders share). Returns the site and how the build went
    (``returncode``, ``stdout``, ``stderr``, ``started_a_server``) for test_site.py to assert.
    """
    from course_lib.locks import exclusive

    shared = basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp  # .../popen-gwN
    folder = shared / "course_site"
    folder.mkdir(exist_ok=True)
    with exclusive(folder):
        if not (folder / "build.json").exists():
            result = run_cli(
                "html", "--output", str(folder / "out"), timeout=300, cwd=folder,
                DATABASE_URL="postgresql://nobody:secret@127.0.0.1:9/nothing",  # nothing listens there
                COURSE_PGDATA=str(folder / "no-pgdata"),
            )  # fmt: skip
            build = {
                "returncode": result.returncode,
                "stdout": result.stdout,
                "stderr": result.stderr,
                "started_a_server": (folder / "no-pgdata").exists(),
            }
            (folder / "build.json").write_text(json.dumps(build))
        return folder / "out", json.loads((folder / "build.json").read_text())


# --- exercise checks: assert the precise outcome (tests/test_checks_nbNN.py) ------------------


def _outcome(exercise_id: str, args: tuple, kwargs: dict, *, strict_errors: bool | None = None):
    from course_lib.exercises import evaluate

    return evaluate(exercise_id, args, kwargs, strict_errors=strict_errors)


def _expect(result, status, contains: str | tuple[str, ...]) -> str:
    wanted = (contains,) if isinstance(contains, str) else contains
    assert result.status == status, f"expected {status.value!r}, got {result!r}"
    missing = [text for text in wanted if text not in result.message]
    assert not missing, f"{result.exercise_id}: {missing} not in the message {result.message!r}"
    return result.message


def assert_passes(exercise_id: str, *args, **kwargs) -> str:
    """The check passes this answer; returns its message (``passed. <note>``)."""
    from course_lib.exercises import Status

    return _expect(_outcome(exercise_id, args, kwargs), Status.PASSED, ())


def assert_hint(exercise_id: str, *args, contains: str | tuple[str, ...], **kwargs) -> str:
    """The check answers with a Hint whose text contains ``contains`` (a string, or all of a tuple's)."""
    from course_lib.exercises import Status

    return _expect(_outcome(exercise_id, args, kwargs), Status.NOT_YET, contains)


def assert_learner_error(exercise_id: str, *args, contains: str | tuple[str, ...] = (), **kwargs) -> str:
    """The learner's code or query raised (``your code raised ...`` / ``your query raised ...``)."""
    from course_lib.exercises import Status

    return _expect(_outcome(exercise_id, args, kwargs), Status.LEARNER_ERROR, contains)


def assert_not_answered(exercise_id: str, *args, **kwargs) -> str:
    """The answer still holds the ``...`` placeholder."""
    from course_lib.exercises import Status

    return _expect(_outcome(exercise_id, args, kwargs), Status.NOT_ANSWERED, "not answered yet")


def assert_internal_error(exercise_id: str, *args, contains: str | tuple[str, ...] = (), **kwargs) -> str:
    """The check itself crashed, and says so (naming the check) instead of blaming the learner.

    For tests that inject a fault on purpose; any other test fails on such a crash, because
    tests/conftest.py makes checks strict.
    """
    from course_lib.exercises import Status

    result = _outcome(exercise_id, args, kwargs, strict_errors=False)
    wanted = (contains,) if isinstance(contains, str) else contains
    return _expect(result, Status.INTERNAL_ERROR, (f"internal error in the check for {exercise_id}", *wanted))


# --- the system's Chromium, for tests/test_browser.py and tests/test_site_browser.py -----------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
# Headless, sandbox off (root in CI), and no background requests: the machine has no network,
# and Chromium otherwise keeps trying to reach Google's hosts.
CHROMIUM_FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--window-size=1400,1000",
)  # fmt: skip


def chromium_options(webdriver, profile: str):
    """ChromeOptions for the system's Chromium with a fresh profile folder of the caller's."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    return options
