"""Restart & Run All, twice in a row, gives the committed outputs both times.

nbval (run on notebooks/) compares one fresh run with the committed outputs. When the whole
suite runs (tests/conftest.py is loaded), each notebook gets one more item right after its
last cell: "second run" executes the notebook again from a fresh kernel through nbclient, on
the same server, and compares its outputs with the committed ones. So a notebook that only
works on an empty server, or leaves state that changes its second run, is caught, and the
notebook runs twice under test, not three times.

The item belongs to the notebook's file, so ``--dist loadfile`` runs it on the same worker
right after nbval's cells: nothing else runs that notebook on that server meanwhile.

With ``-n 2 --dist loadfile``, each notebook's run on PostgreSQL 15 (tests/test_older_postgres.py)
joins that notebook's file too (:func:`scope`): those runs spread over both workers instead of
one worker running all of them at the end, and no two runs of one notebook (they share its
scratch folder) ever overlap.
"""

from __future__ import annotations

import configparser
import json
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_MIME = ("image/png", "image/jpeg", "image/svg+xml", "application/vnd.jupyter.widget-view+json")
ITEM_NAME = "second run"
OLDER_POSTGRES = "tests/test_older_postgres.py::"


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


def learner_visible(folder: Path) -> set[str]:
    """What JupyterLab's file browser shows in ``folder`` (it hides names starting with a dot)."""
    return {entry.name for entry in folder.iterdir() if not entry.name.startswith(".")}


def committed_entries(folder: Path) -> set[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--", "."], cwd=folder, capture_output=True, text=True, check=True
    ).stdout.split()
    return {Path(name).parts[0] for name in listed}


def differing_cells(committed: list[list[str]], fresh: list[list[str]]) -> list[int]:
    """Numbers (from 1) of the code cells whose outputs differ."""
    return [n for n, (a, b) in enumerate(zip(committed, fresh, strict=True), start=1) if a != b]


class SecondRun(pytest.Item):
    """The notebook executed once more, right after nbval's run, compared with the committed outputs."""

    def runtest(self) -> None:
        kernel = getattr(self.parent, "kernel", None)  # nbval's kernel: stopped, as a restart would
        if kernel is not None and kernel.is_alive():
            kernel.stop()
        self.parent.kernel = None
        path = Path(self.path)
        committed = comparable_outputs(json.loads(path.read_text()))
        fresh = comparable_outputs(execute(path))
        differing = differing_cells(committed, fresh)
        assert not differing, (
            f"second run: code cells {differing} differ from the committed outputs; first one:\n"
            f"committed: {committed[differing[0] - 1]}\nfresh:     {fresh[differing[0] - 1]}"
        )
        # Scratch output (Alembic projects, generated test modules) never lands where a learner looks.
        if shutil.which("git") and (ROOT / ".git").exists():
            strays = learner_visible(path.parent) - committed_entries(path.parent)
            assert not strays, f"after {path.name}, notebooks/ shows files not the course's: {strays}"

    def reportinfo(self):
        return self.path, None, f"{self.path.name}: {ITEM_NAME}"


def add_second_runs(items: list[pytest.Item]) -> list[pytest.Item]:
    """``items`` with a :class:`SecondRun` after the last cell nbval collected of each notebook."""
    result: list[pytest.Item] = []
    for index, item in enumerate(items):
        result.append(item)
        parent = item.parent
        is_cell = type(item).__name__ == "IPyNbCell"
        last_of_its_notebook = index + 1 == len(items) or items[index + 1].parent is not parent
        if is_cell and last_of_its_notebook:
            result.append(SecondRun.from_parent(parent, name=ITEM_NAME))
    return result


def scope(nodeid: str) -> str:
    """The work unit of ``--dist loadfile``: a test's file, but a notebook's for its PostgreSQL 15 run."""
    if nodeid.startswith(OLDER_POSTGRES) and nodeid.endswith("]"):
        return f"notebooks/{nodeid.rsplit('[', 1)[1][:-1]}.ipynb"
    return nodeid.split("::", 1)[0]


def make_scheduler(config: pytest.Config, log):
    """xdist's ``loadfile`` scheduling with :func:`scope` as its work units."""
    from xdist.scheduler import LoadFileScheduling

    class NotebookScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return scope(nodeid)

    return NotebookScheduling(config, log)
