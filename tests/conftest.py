"""Fixtures for the course_lib tests.

- ``embedded``: the course's default server (the shared embedded PostgreSQL),
  with the settings that choose another one removed for the test.
- ``scratch_database``: a notebook database name unique to this test run, dropped afterwards.
- ``private_pgdata``: an embedded server data directory of the test's own, for tests
  that stop, reset or break a server (never the checkout's shared ``.pgdata``).
- ``external_server``: a real second PostgreSQL (Debian's, found under
  ``/usr/lib/postgresql/*/bin``) on a free 127.0.0.1 port with scram-sha-256
  password authentication, for the ``DATABASE_URL`` path.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import psycopg
import pytest
from helpers import (
    free_port,
    memory_tempdir,
    postgres_bin_dir,
    postgres_processes_for,
    short_tempdir,
    unique_name,
    use_course_settings,
)
from psycopg import sql
from second_run import add_second_runs, make_scheduler

# Set before any kernel starts, so nbval's kernels inherit it: a bug in an exercise
# check raises instead of being printed as "internal error", so no test passes over it.
os.environ["COURSE_STRICT_CHECKS"] = "1"
# check() records the learner's progress: tests (and their kernels) write to a file of their own.
_PROGRESS_FOLDER = tempfile.mkdtemp(prefix="course_progress_")
os.environ["COURSE_PROGRESS_FILE"] = os.path.join(_PROGRESS_FOLDER, "progress.json")
atexit.register(shutil.rmtree, _PROGRESS_FOLDER, ignore_errors=True)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each notebook nbval runs is run once more right after its last cell (tests/second_run.py)."""
    items[:] = add_second_runs(items)


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """``--dist loadfile``, each notebook's PostgreSQL 15 run with that notebook (tests/second_run.py)."""
    return make_scheduler(config, log) if config.getvalue("dist") == "loadfile" else None


@pytest.fixture
def embedded(monkeypatch):
    """The shared embedded server, whatever the environment of the test run says."""
    use_course_settings(monkeypatch)
    from course_lib.server import current_server

    server = current_server()
    assert server.kind == "embedded"
    return server


@pytest.fixture
def scratch_name(embedded) -> Iterator[str]:
    """A notebook name unique to this process; its database is dropped after the test."""
    names: list[str] = []

    def make(label: str) -> str:
        names.append(unique_name(label))
        return names[-1]

    yield make
    with embedded.connect() as conn:
        for name in names:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier("course_" + name))
            )


@pytest.fixture
def private_pgdata() -> Iterator[Path]:
    """A data directory of this test's own; its server is stopped and removed afterwards."""
    folder = memory_tempdir("cl_pg")
    pgdata = folder / "pgdata"
    yield pgdata
    from course_lib import embedded as embedded_module

    if (pgdata / "PG_VERSION").exists():
        with contextlib.suppress(Exception):
            embedded_module.stop(pgdata)
    for process in postgres_processes_for(pgdata):
        with contextlib.suppress(psutil.Error):
            process.kill()
    shutil.rmtree(folder, ignore_errors=True)


# --- the external server ---------------------------------------------------------------


@dataclass(frozen=True)
class ExternalServer:
    """A second PostgreSQL on 127.0.0.1 with password authentication."""

    port: int
    version: str
    superuser_password: str = field(repr=False)
    learner_password: str = field(repr=False)  # role "learner": LOGIN CREATEDB
    limited_password: str = field(repr=False)  # role "limited": LOGIN, no CREATEDB

    def url(self, user: str = "learner", password: str | None = None, database: str = "postgres") -> str:
        if password is None:
            password = {
                "postgres": self.superuser_password,
                "learner": self.learner_password,
                "limited": self.limited_password,
            }[user]
        return f"postgresql://{user}:{password}@127.0.0.1:{self.port}/{database}"


@pytest.fixture(scope="session")
def external_server() -> Iterator[ExternalServer]:
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        pytest.skip("no system PostgreSQL server binaries (initdb, pg_ctl) on this machine")
    user: str | None = None
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        try:
            owner = pwd.getpwnam("embedded_postgres")
        except KeyError:
            pytest.skip("running as root and no 'embedded_postgres' system user to run PostgreSQL as")
        user = owner.pw_name
    folder = short_tempdir("cl_ext")
    data = folder / "data"
    passwords = {name: "pw" + secrets.token_hex(8) for name in ("postgres", "learner", "limited")}
    pwfile = folder / "superuser_password"
    pwfile.write_text(passwords["postgres"] + "\n")
    if user is not None:
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        os.chown(pwfile, owner.pw_uid, owner.pw_gid)
    port = free_port()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(bin_dir / args[0]), *args[1:]],
            user=user,
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )

    def stop() -> None:
        """Stop the server (pg_ctl, else kill its postmaster) and remove its folder; idempotent."""
        if not folder.exists():
            return
        if (data / "postmaster.pid").exists():
            try:
                run("pg_ctl", "-D", str(data), "-m", "fast", "-w", "-t", "60", "stop")
            except subprocess.SubprocessError:
                with contextlib.suppress(OSError, ValueError, IndexError, psutil.Error):
                    psutil.Process(int((data / "postmaster.pid").read_text().split()[0])).kill()
        shutil.rmtree(folder, ignore_errors=True)

    atexit.register(stop)  # should the session end without tearing fixtures down
    try:
        run(
            "initdb",
            "-D",
            str(data),
            "-U",
            "postgres",
            f"--pwfile={pwfile}",
            "--auth-local=scram-sha-256",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--no-sync",
        )
        pwfile.unlink()
        run(
            "pg_ctl",
            "-D",
            str(data),
            "-l",
            str(folder / "log"),
            "-o",
            f"-h 127.0.0.1 -p {port} -k {folder} -c fsync=off",
            "-w",
            "-t",
            "60",
            "start",
        )
        with psycopg.connect(
            f"postgresql://postgres:{passwords['postgres']}@127.0.0.1:{port}/postgres", autocommit=True
        ) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
            for role, extra in (("learner", sql.SQL("CREATEDB")), ("limited", sql.SQL(""))):
                conn.execute(
                    sql.SQL("CREATE ROLE {} LOGIN {} PASSWORD {}").format(
                        sql.Identifier(role), extra, sql.Literal(passwords[role])
                    )
                )
        yield ExternalServer(
            port=port,
            version=version,
            superuser_password=passwords["postgres"],
            learner_password=passwords["learner"],
            limited_password=passwords["limited"],
        )
    except subprocess.CalledProcessError as error:
        log = folder / "log"
        detail = log.read_text() if log.exists() else ""
        pytest.fail(f"could not start the external PostgreSQL: {error.stderr}\n{detail}")
    finally:
        stop()
        atexit.unregister(stop)
