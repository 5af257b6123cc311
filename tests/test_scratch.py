"""course_lib.scratch: one folder per run, finished runs removed, live ones and strangers kept."""

from __future__ import annotations

import os
import subprocess
import sys

from course_lib.scratch import new_scratch_folder


def test_a_new_run_gets_an_empty_folder_of_its_own(tmp_path):
    first = new_scratch_folder("08_migrations", root=tmp_path)
    assert first.parent == tmp_path / ".scratch" / "08_migrations"
    assert first.is_absolute() and list(first.iterdir()) == []
    second = new_scratch_folder("08_migrations", root=tmp_path)  # Restart & Run All in the same kernel
    assert second.exists() and first != second
    assert not first.exists()  # this process's earlier run is over once it starts again


def test_finished_runs_go_and_live_runs_and_unknown_folders_stay(tmp_path):
    scratch = tmp_path / ".scratch" / "10_testing_the_data_layer"
    code = "import os; print(os.getpid())"
    finished = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    (scratch / f"run_{int(finished.stdout)}_done").mkdir(parents=True)
    parent = os.getppid()  # alive while this test runs: stands for another kernel
    (scratch / f"run_{parent}_live").mkdir()
    (scratch / "run_notapid").mkdir()
    (scratch / "notes").mkdir()
    new = new_scratch_folder("10_testing_the_data_layer", root=tmp_path)
    left = sorted(path.name for path in scratch.iterdir())
    assert left == sorted(["notes", "run_notapid", f"run_{parent}_live", new.name])
