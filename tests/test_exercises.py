"""Self-checking exercises: check() itself, and the layout of every notebook's exercises.

The structural tests read whatever notebooks exist in notebooks/ (others are
being written while this runs), so nothing here names a notebook.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from course_lib import Hint, check
from course_lib import exercises as exercises_module
from course_lib.exercises import exercise, registered_checks, run_check

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CHECK_CALL = re.compile(r"""\bcheck\(\s*["']([^"']+)["']""")
EXERCISE_HEADING = re.compile(r"^###\s+Exercise\s+\d+\s+\(`([^`]+)`\)", re.MULTILINE)


# --- check() ---------------------------------------------------------------------------


@pytest.fixture
def register() -> Iterator:
    """Register throw-away checks; they are removed again after the test."""
    added: list[str] = []

    def add(exercise_id: str):
        added.append(exercise_id)
        return exercise(exercise_id)

    yield add
    for exercise_id in added:
        exercises_module._CHECKS.pop(exercise_id, None)


@pytest.fixture
def answer_is_42(register):
    calls = []

    @register("zz-test-answer")
    def answer(value, *, unit="none"):
        calls.append(value)
        if (value() if callable(value) else value) != 42:
            raise Hint("think of Deep Thought.")
        return f"the answer, in {unit}."

    return calls


def test_check_prints_a_pass(answer_is_42, capsys):
    assert check("zz-test-answer", 42) is None  # nothing for Jupyter to display as Out[]
    assert capsys.readouterr().out == "✅ zz-test-answer: passed. the answer, in none.\n"


def test_check_passes_keyword_arguments(answer_is_42, capsys):
    assert check("zz-test-answer", 42, unit="towels") is None  # nothing for Jupyter to display as Out[]
    assert capsys.readouterr().out == "✅ zz-test-answer: passed. the answer, in towels.\n"


def test_check_without_a_note(register, capsys):
    register("zz-test-silent")(lambda value: None)
    assert check("zz-test-silent", 1) is None  # nothing for Jupyter to display as Out[]
    assert capsys.readouterr().out == "✅ zz-test-silent: passed.\n"


def test_check_prints_the_hint_and_does_not_raise(answer_is_42, capsys):
    assert check("zz-test-answer", 41) is None  # nothing for Jupyter to display as Out[]
    assert capsys.readouterr().out == "❌ zz-test-answer: not yet. think of Deep Thought.\n"


@pytest.mark.parametrize(("args", "kwargs"), [((...,), {}), ((42,), {"unit": ...})])
def test_check_handles_the_unanswered_ellipsis(answer_is_42, capsys, args, kwargs):
    assert check("zz-test-answer", *args, **kwargs) is None  # nothing for Jupyter to display as Out[]
    assert capsys.readouterr().out == (
        "❌ zz-test-answer: not answered yet: replace the `...` in the cell above with your answer.\n"
    )
    assert answer_is_42 == []  # the check itself never ran


def test_check_reports_an_error_in_the_learners_code(answer_is_42, capsys):
    def learners_function():
        return 1 / 0

    assert check("zz-test-answer", learners_function) is None  # nothing for Jupyter to display as Out[]
    assert (
        capsys.readouterr().out
        == "❌ zz-test-answer: your answer raised ZeroDivisionError: division by zero\n"
    )


def test_run_check_returns_without_printing(answer_is_42, capsys):
    assert run_check("zz-test-answer", 42) == (True, "passed. the answer, in none.")
    assert run_check("zz-test-answer", 7) == (False, "not yet. think of Deep Thought.")
    assert capsys.readouterr().out == ""


def test_an_unknown_id_is_an_authoring_error():
    with pytest.raises(KeyError, match="no exercise 'zz-test-missing'"):
        run_check("zz-test-missing", 1)


def test_two_checks_may_not_share_an_id(register):
    register("zz-test-twice")(lambda value: None)
    with pytest.raises(ValueError, match="two checks are registered as 'zz-test-twice'"):
        register("zz-test-twice")(lambda value: None)


# --- every notebook's exercises -----------------------------------------------------------


def course_checks() -> dict:
    """Checks registered by course_lib/checks/ (not throw-away ones from the tests above)."""
    return {
        exercise_id: function
        for exercise_id, function in registered_checks().items()
        if function.__module__.startswith("course_lib.checks.")
    }


def cells(path: Path, kind: str = "code") -> list[dict]:
    notebook = json.loads(path.read_text())
    return [cell for cell in notebook["cells"] if cell["cell_type"] == kind]


def source(cell: dict) -> str:
    return cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])


def stdout(cell: dict) -> str:
    return "".join(
        output["text"] if isinstance(output["text"], str) else "".join(output["text"])
        for output in cell.get("outputs", [])
        if output["output_type"] == "stream" and output.get("name") == "stdout"
    )


def solution_cells(path: Path) -> list[dict]:
    return [cell for cell in cells(path) if "solution" in cell.get("metadata", {}).get("tags", [])]


def notebook_number(path: Path) -> str:
    return path.name.split("_", 1)[0]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_solution_cells_are_hidden_and_pass(path):
    executed = any(cell.get("execution_count") for cell in cells(path))
    for cell in solution_cells(path):
        text = source(cell)
        where = f"{path.name}, solution cell starting {text[:60]!r}"
        assert cell["metadata"].get("jupyter", {}).get("source_hidden") is True, f"{where}: not source_hidden"
        assert text.startswith("# Reference solution (expand to see it)"), where
        ids = CHECK_CALL.findall(text)
        assert ids, f"{where}: a solution ends with its own check(...)"
        if not executed:
            continue  # being written: not run yet (committed notebooks are run, see test_notebook_outputs)
        printed = stdout(cell)
        assert "❌" not in printed, f"{where}: the reference solution fails its check:\n{printed}"
        verdicts = [line for line in printed.splitlines() if line.startswith("✅")]
        assert verdicts, f"{where}: no ✅ in its output"
        assert verdicts[-1].startswith(f"✅ {ids[-1]}: passed."), where
        assert printed.rstrip("\n").splitlines()[-1] == verdicts[-1], f"{where}: the check's ✅ comes last"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_check_used_in_a_notebook_is_registered(path):
    known = course_checks()
    prefix = f"nb{notebook_number(path)}-"
    used = {found for cell in cells(path) for found in CHECK_CALL.findall(source(cell))}
    for exercise_id in sorted(used):
        assert exercise_id in known, f"{path.name} calls check({exercise_id!r}), which no check registers"
        assert exercise_id.startswith(prefix), f"{path.name}: exercise ids start with {prefix!r}"
        module = known[exercise_id].__module__
        assert module.startswith(f"course_lib.checks.{prefix[:-1]}_"), f"{exercise_id} is defined in {module}"
    headings = {found for cell in cells(path, "markdown") for found in EXERCISE_HEADING.findall(source(cell))}
    assert headings <= used, f"{path.name}: exercises with no check(...) call: {sorted(headings - used)}"
    hidden = {found for cell in solution_cells(path) for found in CHECK_CALL.findall(source(cell))}
    assert headings <= hidden, (
        f"{path.name}: exercises with no reference solution: {sorted(headings - hidden)}"
    )


def check_tests_text() -> str:
    return "\n".join(path.read_text() for path in sorted((ROOT / "tests").glob("test_checks_*.py")))


@pytest.mark.parametrize("exercise_id", sorted(course_checks()))
def test_every_registered_check_has_a_test(exercise_id):
    text = check_tests_text()
    mentioned = f'"{exercise_id}"' in text or f"'{exercise_id}'" in text
    assert mentioned, (
        f"no tests/test_checks_*.py mentions {exercise_id!r}: test it with a wrong answer and the right one"
    )


def test_the_structural_tests_catch_what_they_should(tmp_path):
    bad = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": "### Exercise 1 (`nb99-missing`)\nDo it."},
            {"cell_type": "code", "metadata": {}, "source": 'check("nb99-missing", answer_1)', "outputs": []},
            {
                "cell_type": "code",
                "metadata": {"tags": ["solution"]},
                "execution_count": 3,
                "source": '# Reference solution (expand to see it)\ncheck("nb99-missing", 1)',
                "outputs": [
                    {"output_type": "stream", "name": "stdout", "text": "❌ nb99-missing: not yet.\n"}
                ],
            },
        ]
    }
    path = tmp_path / "99_bad.ipynb"
    path.write_text(json.dumps(bad))
    with pytest.raises(AssertionError, match="not source_hidden"):
        test_solution_cells_are_hidden_and_pass(path)
    bad["cells"][2]["metadata"]["jupyter"] = {"source_hidden": True}
    path.write_text(json.dumps(bad))
    with pytest.raises(AssertionError, match="fails its check"):
        test_solution_cells_are_hidden_and_pass(path)
    with pytest.raises(AssertionError, match="which no check registers"):
        test_every_check_used_in_a_notebook_is_registered(path)
    with pytest.raises(AssertionError, match="no tests/test_checks_"):
        test_every_registered_check_has_a_test("nb99-never-tested")
