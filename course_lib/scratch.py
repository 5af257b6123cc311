"""A notebook's own scratch folder: where 08 and 10 write the projects they build.

Each run gets ``<checkout>/.scratch/<notebook>/run_<kernel pid>_<random>/``: hidden, beside
``notebooks/`` (never inside it, so nothing new shows up next to the lessons), absolute (safe after
``os.chdir``), and unique (two runs of one notebook at once never share a folder). Runs whose kernel
has exited are removed when the next run starts; a run still going on is left alone.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import psutil

from course_lib.paths import checkout_root


def _run_is_over(folder: Path) -> bool:
    try:
        kernel_pid = int(folder.name.split("_")[1])
    except (IndexError, ValueError):
        return False  # not ours: leave it
    return kernel_pid == os.getpid() or not psutil.pid_exists(kernel_pid)


def new_scratch_folder(notebook: str, root: Path | None = None) -> Path:
    """A fresh, empty folder for this run of ``notebook``; finished runs' folders are removed first."""
    scratch = (root or checkout_root()) / ".scratch" / notebook
    scratch.mkdir(parents=True, exist_ok=True)
    for earlier in scratch.glob("run_*"):
        if _run_is_over(earlier):
            shutil.rmtree(earlier, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"run_{os.getpid()}_", dir=scratch))
