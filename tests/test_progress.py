"""The learner's progress: what check() records, and `python -m course_lib progress`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from helpers import ROOT, run_cli, start_python

from course_lib import checks, progress
from course_lib.cli import main
from course_lib.exercises import STRICT_ENV, Hint, check, check_solution, exercise, learner, run_check


@pytest.fixture
def progress_path(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "progress.json"
    monkeypatch.setenv(progress.FILE_ENV, str(path))
    return path


@pytest.fixture
def answer_is_42():
    @exercise("zz-progress-42")
    def answer(value):
        if (learner(value) if callable(value) else value) != 42:
            raise Hint("think of Deep Thought.")

    @exercise("zz-progress-broken")
    def broken(value):
        raise Hint(f"{undefined_name}")  # noqa: F821 -- a bug in the check

    yield "zz-progress-42"
    checks.unregister("zz-progress-42")
    checks.unregister("zz-progress-broken")


def test_tests_never_touch_the_learners_progress():
    """tests/conftest.py points COURSE_PROGRESS_FILE away from the checkout (kernels inherit it)."""
    assert not progress.progress_file().is_relative_to(ROOT)


def test_by_default_progress_is_kept_in_the_checkout(monkeypatch):
    monkeypatch.setenv(progress.FILE_ENV, "  ")  # blank means unset, as for the other settings
    assert progress.progress_file() == ROOT / ".course_progress.json"
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert ".course_progress.json*" in ignored  # the file, its lock and its temporary files


def test_check_records_attempts_and_a_pass_is_never_lost(answer_is_42, progress_path, capsys):
    check(answer_is_42, 41)
    assert progress.load() == {answer_is_42: {"passed": False, "attempts": 1}}
    check(answer_is_42, 42)
    check(answer_is_42, 7)  # trying again after a pass does not erase it
    check(answer_is_42, lambda: 1 / 0)  # nor does their code raising
    assert progress.load() == {answer_is_42: {"passed": True, "attempts": 4}}
    saved = json.loads(progress_path.read_text())
    assert saved == {"format": 1, "exercises": {answer_is_42: {"attempts": 4, "passed": True}}}
    capsys.readouterr()


def test_what_is_not_an_attempt_is_not_recorded(answer_is_42, progress_path, monkeypatch, capsys):
    check_solution(answer_is_42, 42)  # the reference solution is not the learner's
    check(answer_is_42, ...)  # not answered yet
    run_check(answer_is_42, 42)  # tests and tools: records nothing
    monkeypatch.delenv(STRICT_ENV)
    check("zz-progress-broken", 1)  # the check's own bug is not an attempt
    assert "internal error" in capsys.readouterr().out
    assert not progress_path.exists()
    assert progress.load() == {}


def test_a_damaged_file_is_started_afresh(progress_path):
    progress_path.write_text('{"exercises": {"nb00-x": ')
    assert progress.load() == {}
    assert progress.record("nb00-x", True)
    assert progress.load() == {"nb00-x": {"passed": True, "attempts": 1}}


def test_an_unwritable_place_never_disturbs_the_check(answer_is_42, tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    monkeypatch.setenv(progress.FILE_ENV, str(blocker / "progress.json"))  # its folder is a file
    assert progress.record(answer_is_42, True) is False
    check(answer_is_42, 42)
    assert capsys.readouterr().out == f"✅ {answer_is_42}: passed.\n"


def test_two_kernels_recording_at_once_lose_nothing(progress_path):
    code = """
        import sys
        from course_lib import progress
        for number in range(60):
            progress.record(f"nb00-{sys.argv[1]}-{number}", number % 2 == 0)
    """
    workers = [
        start_python(code, name, **{progress.FILE_ENV: str(progress_path)}) for name in ("a", "b", "c")
    ]
    assert [worker.wait(timeout=120) for worker in workers] == [0, 0, 0]
    recorded = progress.load()
    assert len(recorded) == 180
    assert sum(entry["passed"] for entry in recorded.values()) == 90
    leftovers = sorted(path.name for path in progress_path.parent.iterdir())
    assert leftovers == ["progress.json", "progress.json.lock"]  # no temporary file left behind


def test_reset_forgets_everything(progress_path):
    progress.record("nb00-x", True)
    assert progress.reset() is True
    assert progress.load() == {}
    assert progress.reset() is False


# --- the summary ---------------------------------------------------------------------------


def course_exercises() -> dict[str, checks.Exercise]:
    return {key: entry for key, entry in checks.load_all().items() if entry.module.startswith("course_lib.")}


def test_the_summary_counts_every_notebooks_exercises_by_level(progress_path):
    exercises = course_exercises()
    first = min(exercises.values(), key=lambda entry: entry.id)
    progress.record(first.id, True)
    progress.record("nb00-no-longer-exists", True)  # an id no check registers any more is not counted
    notebooks = progress.summary()
    numbers = sorted({entry.notebook for entry in exercises.values()})
    assert [item.notebook[:2] for item in notebooks] == numbers
    assert sum(sum(item.total.values()) for item in notebooks) == len(exercises)
    assert sum(sum(item.done.values()) for item in notebooks) == 1
    item = next(item for item in notebooks if item.notebook.startswith(first.notebook))
    assert item.done == {first.level: 1} | {level: 0 for level in item.total if level != first.level}
    assert all(item.error is None for item in notebooks)


def test_a_broken_check_module_shows_but_does_not_hide_the_rest(progress_path, tmp_path, monkeypatch):
    (tmp_path / "nb97_fine.py").write_text(
        "from course_lib.exercises import exercise\n"
        "exercise('nb97-one', level=2)(lambda value: None)\n"
        "exercise('nb97-two', level=3)(lambda value: None)\n"
    )
    (tmp_path / "nb98_broken.py").write_text("import a_module_that_does_not_exist\n")
    monkeypatch.setattr(checks, "__path__", [*checks.__path__, str(tmp_path)])
    try:
        progress.record("nb97-two", True)
        text = progress.report()
    finally:
        sys.modules.pop("course_lib.checks.nb97_fine", None)
        checks.unregister("nb97-one")
        checks.unregister("nb97-two")
    lines = {line.split()[0]: line for line in text.splitlines() if line.startswith("  ")}
    assert lines["97_fine"].split()[1:] == ["1/2", "★★", "0/1", "★★★", "1/1"]
    assert lines["98_broken"].endswith(
        "(its checks do not load: ModuleNotFoundError: No module named 'a_module_that_does_not_exist')"
    )
    assert "01_models" in lines


def test_the_progress_command(progress_path, capsys):
    """The real command line once; then its other answers from ``main`` in this process."""
    exercises = course_exercises()
    passed = sorted(exercises)[:2]
    for exercise_id in passed:
        progress.record(exercise_id, True)
    done = run_cli("progress", COURSE_PROGRESS_FILE=str(progress_path))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"Exercises passed, per notebook (kept in {progress_path}, never sent anywhere):"
    notebooks = sorted(path.stem for path in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert [line.split()[0] for line in lines[1:-2]] == notebooks
    total = lines[-2].split()
    assert total[:2] == ["all", f"2/{len(exercises)}"]
    for level, stars in ((1, "★"), (2, "★★"), (3, "★★★")):
        count = sum(entry.level == level for entry in exercises.values())
        if count:
            done_here = sum(exercises[key].level == level for key in passed)
            assert f"{stars} {done_here}/{count}" in lines[-2]
    assert lines[-1].startswith("★ applies one idea")

    assert main(["progress", "--reset"]) == 0
    assert capsys.readouterr().out == "progress cleared\n"
    assert not progress_path.exists()
    assert main(["progress", "--reset"]) == 0
    assert capsys.readouterr().out == "no progress recorded yet: nothing to clear\n"
    assert main(["progress"]) == 0
    assert capsys.readouterr().out.splitlines()[-2].split()[:2] == ["all", f"0/{len(exercises)}"]
