"""Run a command line in a new Python process that starts with the course's libraries imported.

08_migrations runs the ``alembic`` command some twenty times, and each run must be a new process:
``env.py`` imports the project's ``models.py``, and only a new process reads the version on disk
now (a process imports a module once). Started as a program, each run spends about a second
importing SQLAlchemy, SQLModel and Alembic before tens of milliseconds of work. ``run()`` forks the
new process instead from a server process (``multiprocessing``'s "forkserver") that imported them
once, and runs there what the program would run: a console script's entry point
(``alembic`` -> ``alembic.config:main``, with ``sys.argv`` set as the program sees it) or
``python -c CODE``. Everything else is the caller's at the time of the call: current folder,
environment variables; the project's own modules are imported afresh in every run. Standard output
and standard error go to one file, in the order they were written (a terminal's ``2>&1``), and
come back as ``CompletedProcess.stdout``; the exit status is the one the program would have had.

Linux and macOS (the forkserver start method needs POSIX). From a script (a ``.py`` file run as a
program) rather than a notebook, keep the script's top-level code under
``if __name__ == "__main__":``, as for any ``multiprocessing`` program: the server process imports the
script's main module when it starts.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import shlex
import subprocess
import sys
import tempfile
import traceback
from importlib.metadata import entry_points
from multiprocessing.connection import Connection

#: Imported once, by the server process; a run imports everything else itself.
PRELOAD = [
    "course_lib.fresh_process",
    "psycopg",
    "sqlalchemy.dialects.postgresql.psycopg",
    "sqlalchemy.orm",
    "sqlmodel",
    "alembic.command",
    "alembic.config",
    "alembic.autogenerate",
    "alembic.ddl.postgresql",
    "logging.config",
]

_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(PRELOAD)
# In the server process, imported by PRELOAD: the module search path of a new interpreter, which
# the runs start from (a fork would otherwise inherit the caller's, e.g. a Jupyter kernel's).
_NEW_INTERPRETER_PATH = [entry for entry in sys.path if entry]


def run(
    command_line: str,
    *,
    cwd: str | os.PathLike[str] | None = None,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``command_line`` (``alembic ...``, another console script, or ``python -c CODE``).

    In ``cwd`` with ``env`` (by default the caller's folder and environment variables); a run still
    going after ``timeout`` seconds is killed, and ``subprocess.TimeoutExpired`` raised.
    """
    argv = shlex.split(command_line)
    folder, environ = os.fspath(cwd or os.getcwd()), dict(os.environ if env is None else env)
    receiver, sender = _context.Pipe(duplex=False)
    child = _context.Process(target=_child, args=(sender, argv, folder, environ))
    child.start()
    sender.close()
    try:
        if timeout is not None and not receiver.poll(timeout):
            child.kill()
            child.join()
            raise subprocess.TimeoutExpired(argv, timeout)
        returncode, output = receiver.recv()
    except EOFError:
        child.join()
        raise RuntimeError(f"{argv[0]} ended without a result (exit code {child.exitcode})") from None
    finally:
        receiver.close()
    child.join()
    return subprocess.CompletedProcess(argv, returncode, output)


def _child(sender: Connection, argv: list[str], cwd: str, environ: dict[str, str]) -> None:
    """In the new process: become the program, run it, send back (exit status, output)."""
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(environ)
    with tempfile.TemporaryFile() as captured:
        for fd in (1, 2):  # also what C code writes to the two file descriptors
            os.dup2(captured.fileno(), fd)
        raw = open(1, "wb", buffering=0, closefd=False)
        stream = io.TextIOWrapper(raw, encoding="utf-8", write_through=True)
        sys.stdout = sys.stderr = stream
        returncode = _exit_status(argv)
        stream.flush()
        captured.seek(0)
        sender.send((returncode, captured.read().decode("utf-8", errors="replace")))


def _exit_status(argv: list[str]) -> int:
    """Run the program in this process; its exit status, as the operating system would report it."""
    scripts = entry_points(group="console_scripts", name=argv[0])
    python_c = argv[0] in ("python", "python3") and argv[1:2] == ["-c"]
    if not python_c and not scripts:
        print(f"{argv[0]}: command not found", file=sys.stderr)
        return 127
    try:
        if python_c:
            sys.argv = ["-c", *argv[3:]]
            sys.path[:] = ["", *_NEW_INTERPRETER_PATH]  # `python -c`: the current folder first
            exec(compile(argv[2], "<string>", "exec"), {"__name__": "__main__"})
        else:
            bin_folder = os.path.dirname(sys.executable)
            sys.argv = [os.path.join(bin_folder, argv[0]), *argv[1:]]
            sys.path[:] = [bin_folder, *_NEW_INTERPRETER_PATH]  # a script's own folder first
            raise SystemExit(scripts[argv[0]].load()())  # as the script does: sys.exit(main())
    except SystemExit as exit:
        if exit.code is None or isinstance(exit.code, int):
            return (exit.code or 0) & 0xFF
        print(exit.code, file=sys.stderr)
        return 1
    except BaseException:
        traceback.print_exc()
        return 1
    return 0
