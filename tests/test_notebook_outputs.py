"""Static checks of the committed notebooks: what a reader on GitHub sees.

No secret, machine path, socket path or memory address in any output; every
code cell executed in order from a fresh kernel; no tracebacks committed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))

FORBIDDEN = {
    "a home or root folder": re.compile(r"/root\b|/home/[A-Za-z]|/Users/[A-Za-z]"),
    "a temporary or checkout path": re.compile(r"/tmp/|/work/|/private/var/|site-packages"),
    "a Unix socket path": re.compile(r"\.s\.PGSQL|host=%2F|host=/"),
    "a memory address": re.compile(r"\b0x[0-9a-fA-F]{8,}\b"),
    "a password in a URL": re.compile(r"://[^/\s:@'\"]+:(?!\*\*\*@)[^@\s'\"]+@"),
    # libpq key=value and URL query forms; a model's repr (password='...') is lesson data
    "a password setting": re.compile(r"\bpassword=(?!\*\*\*)[^\s&'\"]+", re.IGNORECASE),
    "a traceback": re.compile(r"Traceback \(most recent call last\)"),
}


def output_texts(cell: dict) -> list[str]:
    texts = []
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            texts.append("".join(output["text"]))
        elif output["output_type"] in ("execute_result", "display_data"):
            for mime, value in output["data"].items():
                if mime.startswith("text/") or mime.endswith("json"):
                    texts.append(value if isinstance(value, str) else "".join(value))
        elif output["output_type"] == "error":
            texts.append(f"{output['ename']}: {output['evalue']}\n" + "\n".join(output["traceback"]))
    return texts


def code_cells(path: Path) -> list[dict]:
    notebook = json.loads(path.read_text())
    return [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]


def test_there_are_notebooks() -> None:
    assert any(path.name == "00_setup.ipynb" for path in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_outputs_hold_no_secret_path_or_address(path: Path) -> None:
    problems = []
    for number, cell in enumerate(code_cells(path), start=1):
        for text in output_texts(cell):
            for what, pattern in FORBIDDEN.items():
                match = pattern.search(text)
                if match:
                    problems.append(f"code cell {number}: {what}: {match.group(0)!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_executed_in_order_from_a_fresh_kernel(path: Path) -> None:
    counts = [cell["execution_count"] for cell in code_cells(path) if "".join(cell["source"]).strip()]
    assert None not in counts, "some code cells were never executed: commit the notebook executed"
    assert counts == list(range(1, len(counts) + 1)), "execute it top to bottom from a fresh kernel"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_execution_timestamps_committed(path: Path) -> None:
    stamped = [
        n for n, cell in enumerate(code_cells(path), start=1) if "execution" in cell.get("metadata", {})
    ]
    assert not stamped, (
        f"code cells {stamped} carry execution timestamps: execute with "
        "--ExecutePreprocessor.record_timing=False (see CONTRIBUTING.md)"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_error_outputs_committed(path: Path) -> None:
    errors = [
        output["ename"]
        for cell in code_cells(path)
        for output in cell.get("outputs", [])
        if output["output_type"] == "error"
    ]
    assert not errors, f"committed error outputs (use course_lib.expect_error instead): {errors}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_opens_with_its_own_fresh_database(path: Path) -> None:
    sources = ["".join(cell["source"]) for cell in code_cells(path)]
    assert any(f'notebook_database("{path.stem}")' in source for source in sources[:3]), (
        f'one of the first code cells must call notebook_database("{path.stem}")'
    )


def test_forbidden_patterns_catch_what_they_should() -> None:
    leaks = [
        "postgresql://postgres@/course_00?host=/work/main/.pgdata",
        "postgresql://alice:s3cret@db.example.com/neondb",
        "<function f at 0x7f3a2b1c4d50>",
        'connection to server on socket "/tmp/x/.s.PGSQL.5432" failed',
        "password=hunter2",
    ]
    for leak in leaks:
        assert any(p.search(leak) for p in FORBIDDEN.values()), leak
    clean = [
        "postgresql+psycopg://postgres:***@/course_00_setup?host=<socket dir>",
        "UserCreate(email='ada@example.com', password='correct horse')",
    ]
    for text in clean:
        assert not any(p.search(text) for p in FORBIDDEN.values()), text
