"""The GitHub workflow is what teams copy into their own CI: it must pass zizmor's offline audit.

Actions pinned to a full commit hash (version in a comment), checkouts that do not keep the token,
read-only permissions. zizmor is a test dependency; this runs it, so a later edit cannot regress.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def zizmor() -> str:
    found = shutil.which("zizmor", path=str(Path(sys.executable).parent)) or shutil.which("zizmor")
    assert found, "zizmor is a test dependency: pip install -e '.[test]'"
    return found


def test_there_is_a_workflow():
    assert WORKFLOWS


def test_zizmor_finds_nothing_in_the_workflows():
    result = subprocess.run(
        [zizmor(), "--offline", "--no-progress", *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr


def test_zizmor_would_catch_an_unpinned_action(tmp_path):
    """The audit is live: the same file with one action unpinned fails it."""
    workflow = WORKFLOWS[0].read_text()
    unpinned = tmp_path / "unpinned.yml"
    unpinned.write_text(
        workflow.replace(
            "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683", "actions/checkout@v4", 1
        )
    )
    assert unpinned.read_text() != workflow
    result = subprocess.run(
        [zizmor(), "--offline", "--no-progress", str(unpinned)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "unpinned-uses" in result.stdout + result.stderr
