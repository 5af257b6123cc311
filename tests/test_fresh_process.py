"""course_lib.fresh_process.run: a command line run as a new process would run it, only started sooner."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from course_lib.fresh_process import run


def test_alembic_prints_and_does_what_the_program_does(tmp_path, monkeypatch):
    by_program, forked = tmp_path / "by_program", tmp_path / "forked"
    by_program.mkdir()
    forked.mkdir()
    program = subprocess.run(
        [str(Path(sys.executable).parent / "alembic"), "init", "migrations"],
        cwd=by_program,
        capture_output=True,
        text=True,
        check=True,
    )
    monkeypatch.chdir(forked)
    finished = run("alembic init migrations")
    assert finished.returncode == 0
    assert finished.stdout == program.stdout.replace(str(by_program), str(forked))
    assert "Generating" in finished.stdout
    files = [sorted(str(p.relative_to(root)) for p in root.rglob("*")) for root in (by_program, forked)]
    assert files[0] == files[1]


def test_a_failing_command_has_the_programs_exit_status_and_message(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no alembic.ini here
    finished = run("alembic current")
    assert finished.returncode == 255  # sys.exit(-1), as the operating system reports it
    assert "FAILED: No 'script_location' key found in configuration." in finished.stdout
    assert run("python -c 'import sys; sys.exit(3)'").returncode == 3
    crashed = run("python -c 'raise ValueError(\"no such thing\")'")
    assert crashed.returncode == 1
    assert crashed.stdout.splitlines()[-1] == "ValueError: no such thing"
    assert run("no-such-program --help").returncode == 127


def test_an_entry_point_that_returns_its_status_has_it(tmp_path, monkeypatch):
    """pytest's entry point returns the status, which the installed script passes to sys.exit()."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "test_fails.py").write_text("def test_fails():\n    assert False\n")
    assert run("pytest -q --disable-plugin-autoload -p no:cacheprovider test_fails.py").returncode == 1


def test_each_run_reads_the_folder_environment_and_modules_of_its_call(tmp_path, monkeypatch):
    """What makes a new process worth it: a module changed on disk is imported again."""
    monkeypatch.chdir(tmp_path)
    code = "python -c 'import os, sys, settings; print(settings.VALUE, os.environ[\"PROBE\"], sys.argv)'"
    for value in ("first", "second"):
        (tmp_path / "settings.py").write_text(f"VALUE = {value!r}\n")
        monkeypatch.setenv("PROBE", value.upper())
        assert run(code).stdout == f"{value} {value.upper()} ['-c']\n"
    assert "settings" not in sys.modules  # the caller's process imported nothing
    assert os.environ["PROBE"] == "SECOND"


def test_standard_output_and_error_come_back_together_in_order():
    code = (
        "python -c 'import os, sys; print(1); print(2, file=sys.stderr); "
        'os.write(1, b"3\\n"); os.write(2, b"4\\n"); print(5)\''
    )
    assert run(code).stdout == "1\n2\n3\n4\n5\n"


@pytest.mark.parametrize("text", ["café ☕", "naïve"])
def test_non_ascii_output_survives(text):
    assert run(f"python -c {shlex.quote(f'print({text!r})')}").stdout == text + "\n"


def test_a_run_in_another_folder_with_another_environment(tmp_path):
    code = 'python -c \'import os; print(os.getcwd(), os.environ.get("PROBE"), "HOME" in os.environ)\''
    finished = run(code, cwd=tmp_path, env={"PROBE": "given"})
    assert finished.stdout == f"{tmp_path} given False\n"
    assert Path.cwd() != tmp_path


def test_a_run_past_its_timeout_is_killed():
    with pytest.raises(subprocess.TimeoutExpired):
        run("python -c 'import time; time.sleep(60)'", timeout=0.5)
