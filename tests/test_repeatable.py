"""Restart & Run All, twice in a row, gives the committed outputs both times.

nbval (run on notebooks/) compares one fresh run with the committed outputs; this
test runs each notebook twice more through nbclient on the same server, so a
notebook that only works on an empty server, or leaves state that changes its
second run, is caught. It uses a server of its own (a private COURSE_PGDATA):
nbval may be running the same notebook on the shared server at the same time.
"""

from __future__ import annotations

import configparser
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from course_lib import embedded

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SKIPPED_MIME = ("image/png", "image/jpeg", "image/svg+xml", "application/vnd.jupyter.widget-view+json")


def sanitizers() -> list[tuple[re.Pattern[str], str]]:
    """The same replacements nbval applies (tests/sanitize.cfg)."""
    config = configparser.ConfigParser()
    config.read(ROOT / "tests" / "sanitize.cfg")
    return [(re.compile(config[s]["regex"]), config[s]["replace"]) for s in config.sections()]


SANITIZERS = sanitizers()


def sanitize(text: str) -> str:
    for pattern, replacement in SANITIZERS:
        text = pattern.sub(replacement, text)
    return text


def ignored(cell: dict) -> bool:
    tags = cell.get("metadata", {}).get("tags", [])
    return "NBVAL_IGNORE_OUTPUT" in "".join(cell["source"]) or "nbval-ignore-output" in tags


def comparable_outputs(notebook: dict) -> list[list[str]]:
    """Per code cell, its outputs as text, the way nbval compares them."""
    cells = []
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        if ignored(cell):
            cells.append(["<ignored>"])
            continue
        streams: dict[str, str] = {}
        rendered = []
        for output in cell.get("outputs", []):
            if output["output_type"] == "stream":
                streams[output["name"]] = streams.get(output["name"], "") + "".join(output["text"])
            elif output["output_type"] in ("execute_result", "display_data"):
                for mime, value in sorted(output["data"].items()):
                    if mime not in SKIPPED_MIME:
                        text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
                        rendered.append(f"{mime}: {sanitize(''.join(text))}")
            elif output["output_type"] == "error":
                rendered.append(f"error: {output['ename']}: {sanitize(output['evalue'])}")
        cells.append([f"{name}: {sanitize(text)}" for name, text in sorted(streams.items())] + rendered)
    return cells


def execute(path: Path) -> dict:
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    return json.loads(nbformat.writes(notebook))


@pytest.fixture(scope="module", autouse=True)
def private_server():
    # Not under pytest's tmp_path: pytest makes its base folder private (0700) at
    # each session start, which locks out the server's own OS user when run as root.
    base = Path(tempfile.mkdtemp(prefix="course-repeatable-"))
    pgdata = base / "pgdata"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COURSE_PGDATA", str(pgdata))  # kernels inherit it
        patch.delenv("DATABASE_URL", raising=False)
        patch.delenv("COURSE_DB", raising=False)
        yield pgdata
    embedded.stop(pgdata)
    shutil.rmtree(base, ignore_errors=True)


def learner_visible(folder: Path) -> set[str]:
    """What JupyterLab's file browser shows in ``folder`` (it hides names starting with a dot)."""
    return {entry.name for entry in folder.iterdir() if not entry.name.startswith(".")}


def committed_entries(folder: Path) -> set[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--", "."], cwd=folder, capture_output=True, text=True, check=True
    ).stdout.split()
    return {Path(name).parts[0] for name in listed}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_two_runs_in_a_row_give_the_committed_outputs(path: Path) -> None:
    committed = comparable_outputs(json.loads(path.read_text()))
    for run in (1, 2):
        fresh = comparable_outputs(execute(path))
        differing = [n for n, (a, b) in enumerate(zip(committed, fresh, strict=True), start=1) if a != b]
        assert not differing, (
            f"run {run}: code cells {differing} differ from the committed outputs; first one:\n"
            f"committed: {committed[differing[0] - 1]}\nfresh:     {fresh[differing[0] - 1]}"
        )
    # Scratch output (Alembic projects, generated test modules) never lands where a learner looks.
    if shutil.which("git") and (ROOT / ".git").exists():
        strays = learner_visible(path.parent) - committed_entries(path.parent)
        assert not strays, f"after {path.name}, notebooks/ shows files that are not the course's: {strays}"
