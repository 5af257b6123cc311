"""``python -m course_lib``: look at, reach and reset the course's PostgreSQL."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

from course_lib import embedded
from course_lib.databases import course_databases, describe, drop_course_databases
from course_lib.errors import CourseSetupError
from course_lib.paths import checkout_root
from course_lib.server import chosen_kind, current_server
from course_lib.urls import libpq_url, mask_url

EXTENSIONS = ("pg_trgm", "unaccent", "vector")


def cmd_status(args: argparse.Namespace) -> int:
    server = current_server()
    print(f"server:    {server.description}")
    if server.kind == "embedded":
        pgdata = embedded.data_directory()
        home = checkout_root()
        shown = pgdata.relative_to(home) if pgdata.is_relative_to(home) else pgdata
        print(f"data dir:  {shown}")
    with server.connect() as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        available = {
            row[0]
            for row in conn.execute(
                "SELECT name FROM pg_available_extensions WHERE name = ANY(%s)", (list(EXTENSIONS),)
            )
        }
    print(f"version:   PostgreSQL {version}")
    print("extensions: " + ", ".join(f"{e} {'yes' if e in available else 'NO'}" for e in EXTENSIONS))
    names = course_databases(server)
    print(f"databases: {len(names)} notebook database(s)")
    for name in names:
        print(f"  {name}")
    return 0


def cmd_url(args: argparse.Namespace) -> int:
    server = current_server()
    url = describe(server, args.notebook).url if args.notebook else server.url
    print(libpq_url(url) if args.show_password else mask_url(libpq_url(url)))
    return 0


def cmd_psql(args: argparse.Namespace) -> int:
    server = current_server()
    url = describe(server, args.notebook).url if args.notebook else server.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)  # not on the command line, where `ps` shows it
    target = libpq_url(url._replace(password=None))
    return subprocess.call([str(embedded.psql_executable()), target, *args.passthrough], env=env)


def cmd_reset(args: argparse.Namespace) -> int:
    dropped = drop_course_databases()
    print(f"dropped {len(dropped)} notebook database(s)")
    return 0


def cmd_stop(args: argparse.Namespace) -> int:
    if chosen_kind() != "embedded":
        print("Nothing to stop: the course uses DATABASE_URL or COURSE_DB=docker, not the embedded server.")
        return 0
    pgdata = embedded.data_directory()
    if embedded.stop(pgdata):
        print("stopped the embedded PostgreSQL")
    else:
        print("the embedded PostgreSQL was not running")
    return 0


def install_lab_settings() -> Path:
    """This environment's JupyterLab defaults for the course: no news or update prompt on first open.

    JupyterLab reads every file in ``<app dir>/settings/overrides.d/`` as default settings for the
    environment (its documented mechanism for administrators); the learner's own settings in
    ``~/.jupyter`` are not touched, and anything they set there still wins.
    """
    from jupyterlab.commands import get_app_dir

    source = Path(__file__).with_name("jupyterlab_overrides.json")
    target = Path(get_app_dir()) / "settings" / "overrides.d" / "pg-sqlmodel-course.json"
    if not target.exists() or target.read_bytes() != source.read_bytes():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
    return target


def cmd_lab(args: argparse.Namespace) -> int:
    """JupyterLab on the course, opening 00_setup; as root (Colab, containers) with --allow-root."""
    install_lab_settings()
    command = [sys.executable, "-m", "jupyterlab", str(checkout_root() / "notebooks" / "00_setup.ipynb")]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        print("Running as root (a container or Colab?): starting JupyterLab with --allow-root.", flush=True)
        command.append("--allow-root")
    # Become JupyterLab (exec), so that stopping this process stops JupyterLab and its kernels.
    os.execv(sys.executable, [*command, *args.passthrough])


def cmd_html(args: argparse.Namespace) -> int:
    from course_lib.site import build_site

    started = time.perf_counter()
    pages = build_site(Path(args.output) if args.output else None)
    print(f"wrote {len(pages)} pages in {time.perf_counter() - started:.1f} s; open {pages[0]}")
    return 0


def cmd_progress(args: argparse.Namespace) -> int:
    from course_lib import progress

    if args.reset:
        path = progress.progress_file()
        cleared = progress.reset(path)
        print("progress cleared" if cleared else "no progress recorded yet: nothing to clear")
        return 0
    # The totals import every notebook's checks, and with them libraries that warn on import
    # (Starlette's TestClient): noise for a learner asking how far they got.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        summary = progress.report()
    print(summary)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m course_lib", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("status", help="which server, its version, the notebook databases").set_defaults(
        func=cmd_status
    )
    url = commands.add_parser("url", help="the connection URL of the server or of a notebook's database")
    url.add_argument("notebook", nargs="?", help="e.g. 03_relationships")
    url.add_argument("--show-password", action="store_true", help="print the password too")
    url.set_defaults(func=cmd_url)
    psql = commands.add_parser("psql", help="open the bundled psql on the server or a notebook's database")
    psql.add_argument("notebook", nargs="?", help="e.g. 03_relationships")
    psql.set_defaults(func=cmd_psql)
    commands.add_parser("reset", help="drop every notebook database").set_defaults(func=cmd_reset)
    commands.add_parser("stop", help="stop the embedded server").set_defaults(func=cmd_stop)
    commands.add_parser(
        "lab", help="open the course in JupyterLab (extra options go to JupyterLab)"
    ).set_defaults(func=cmd_lab)
    progress = commands.add_parser("progress", help="the exercises you passed, per notebook and level")
    progress.add_argument("--reset", action="store_true", help="forget every exercise you passed")
    progress.set_defaults(func=cmd_progress)
    site = commands.add_parser(
        "html", help="the course as a searchable website (lessons, error gallery, cheat sheet), from files"
    )
    site.add_argument("--output", help="folder to write (default: site/ in the course folder)")
    site.set_defaults(func=cmd_html)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    passthrough: list[str] = []
    if argv[:1] == ["lab"]:  # JupyterLab takes its own options: `lab --no-browser --port 8899`
        argv, passthrough = argv[:1], argv[1:]
    elif argv[:1] == ["psql"]:  # psql takes its own options: `psql 03_relationships -c '\\dt'`
        split = 2 if len(argv) > 1 and not argv[1].startswith("-") else 1
        argv, passthrough = argv[:split], argv[split:]
    args = build_parser().parse_args(argv)
    args.passthrough = passthrough
    try:
        return args.func(args)
    except CourseSetupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
