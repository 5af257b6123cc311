"""tests/second_run.py: each notebook's second run is collected right after its cells and compares
the way nbval does."""

from __future__ import annotations

import nbformat
from helpers import run_module
from second_run import ITEM_NAME, comparable_outputs, differing_cells, scope


def notebook(*cells: tuple[str, list[dict]]) -> dict:
    made = nbformat.v4.new_notebook()
    for source, outputs in cells:
        cell = nbformat.v4.new_code_cell(source)
        cell["outputs"] = [nbformat.from_dict(output) for output in outputs]
        made.cells.append(cell)
    made.cells.insert(1, nbformat.v4.new_markdown_cell("prose is not compared"))
    return made


def stream(text: str) -> dict:
    return {"output_type": "stream", "name": "stdout", "text": text}


def result(mime: str, value: str) -> dict:
    return {"output_type": "execute_result", "execution_count": 1, "metadata": {}, "data": {mime: value}}


def test_a_changed_output_is_found_by_its_code_cell_number():
    committed = notebook(("print(1)", [stream("first run\n")]), ("x", [result("text/plain", "1")]))
    again = notebook(("print(1)", [stream("first run\n")]), ("x", [result("text/plain", "2")]))
    assert differing_cells(comparable_outputs(committed), comparable_outputs(again)) == [2]
    assert differing_cells(comparable_outputs(committed), comparable_outputs(committed)) == []


def test_what_nbval_skips_is_skipped_here_too():
    committed = notebook(
        ("# NBVAL_IGNORE_OUTPUT\nprint(time())", [stream("0.1\n")]),
        ("plot()", [result("image/png", "AAAA")]),
    )
    again = notebook(
        ("# NBVAL_IGNORE_OUTPUT\nprint(time())", [stream("0.2\n")]),
        ("plot()", [result("image/png", "BBBB")]),
    )
    assert differing_cells(comparable_outputs(committed), comparable_outputs(again)) == []


def test_each_notebook_gets_its_second_run_right_after_its_last_cell():
    listed = run_module("pytest", "--collect-only", "-q", "tests/test_corpus.py", "notebooks/00_setup.ipynb")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    ids = [line for line in listed.stdout.splitlines() if "::" in line]
    cells = [n for n, line in enumerate(ids) if line.startswith("notebooks/00_setup.ipynb::Cell ")]
    assert cells and ids[cells[-1] + 1] == f"notebooks/00_setup.ipynb::{ITEM_NAME}"
    assert sum(ITEM_NAME in line for line in ids) == 1


def test_a_notebooks_postgresql_15_run_is_scheduled_with_that_notebook():
    assert scope("tests/test_older_postgres.py::test_notebook_runs_on_an_older_postgresql[07_indexing]") == (
        "notebooks/07_indexing.ipynb"
    )
    assert scope("notebooks/07_indexing.ipynb::Cell 3") == "notebooks/07_indexing.ipynb"
    assert scope("tests/test_cli.py::test_status_on_the_embedded_server") == "tests/test_cli.py"
