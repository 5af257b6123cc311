"""The learner's progress: which exercises they passed, in a file inside the checkout.

``check()`` records each verdict in ``.course_progress.json`` at the checkout's root
(gitignored; ``COURSE_PROGRESS_FILE`` names another file, as the tests do). Nothing is
ever sent anywhere. A pass stays a pass: a later failed attempt does not erase it.
``check_solution()`` (the reference solution) never records anything.

Two kernels may check at once: every update reads, changes and atomically replaces
the file while holding a lock (``<file>.lock``, where ``fcntl`` exists).
``python -m course_lib progress`` prints the summary; ``progress --reset`` clears it.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from course_lib.locks import exclusive
from course_lib.paths import checkout_root

FILE_ENV = "COURSE_PROGRESS_FILE"
FILE_NAME = ".course_progress.json"
_FORMAT = 1


def progress_file() -> Path:
    """Where progress is kept: ``COURSE_PROGRESS_FILE``, else ``.course_progress.json`` in the checkout."""
    named = os.environ.get(FILE_ENV, "").strip()
    return Path(named).expanduser() if named else checkout_root() / FILE_NAME


def load(path: Path | None = None) -> dict[str, dict]:
    """Every recorded exercise: ``{id: {"passed": bool, "attempts": int}}`` ({} if none or unreadable)."""
    path = path or progress_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    exercises = data.get("exercises") if isinstance(data, dict) else None
    return {key: value for key, value in (exercises or {}).items() if isinstance(value, dict)}


def _lock(path: Path) -> contextlib.AbstractContextManager[None]:
    """One writer at a time across kernels: ``<path>.lock`` (without fcntl, the atomic replace
    still keeps the file whole)."""
    return exclusive(path.with_name(path.name + ".lock"))


def _write(path: Path, exercises: dict[str, dict]) -> None:
    """Replace ``path`` atomically (a reader never sees half a file)."""
    text = json.dumps({"format": _FORMAT, "exercises": exercises}, indent=1, sort_keys=True) + "\n"
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def record(exercise_id: str, passed: bool, path: Path | None = None) -> bool:
    """Count an attempt at ``exercise_id``; a pass is kept forever. False if the file cannot be written.

    Progress is a convenience: failing to save it never disturbs the exercise.
    """
    path = path or progress_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _lock(path):
            exercises = load(path)
            entry = exercises.setdefault(exercise_id, {"passed": False, "attempts": 0})
            entry["attempts"] = int(entry.get("attempts", 0)) + 1
            entry["passed"] = bool(entry.get("passed")) or passed
            _write(path, exercises)
    except OSError:
        return False
    return True


def reset(path: Path | None = None) -> bool:
    """Forget all progress; True if there was any."""
    path = path or progress_file()
    with _lock(path) if path.parent.is_dir() else contextlib.nullcontext():
        try:
            path.unlink()
        except FileNotFoundError:
            return False
    return True


# --- the summary -------------------------------------------------------------------------


@dataclass
class NotebookProgress:
    """One notebook's exercises: how many there are and how many passed, per level (1-3)."""

    notebook: str  # "04_raw_sql"
    total: dict[int, int] = field(default_factory=dict)
    done: dict[int, int] = field(default_factory=dict)
    error: str | None = None  # its check module does not import

    def add(self, level: int, passed: bool) -> None:
        self.total[level] = self.total.get(level, 0) + 1
        self.done[level] = self.done.get(level, 0) + int(passed)


def _notebook_title(number: str, module: str) -> str:
    """``04_raw_sql``: the notebook's file name if it is there, else the check module's name."""
    found = sorted((checkout_root() / "notebooks").glob(f"{number}_*.ipynb"))
    return found[0].stem if found else module.rsplit(".", 1)[-1].removeprefix("nb")


def summary(path: Path | None = None) -> list[NotebookProgress]:
    """Per notebook, exercises passed out of the registered ones, by level (imports every check module)."""
    from course_lib import checks
    from course_lib.errors import describe_error

    recorded = load(path)
    modules = checks.module_names()
    notebooks: dict[str, NotebookProgress] = {}
    for module in modules:
        number = module.rsplit(".", 1)[-1][2:4]
        item = notebooks.setdefault(number, NotebookProgress(_notebook_title(number, module)))
        try:
            checks.load_module(module)
        except Exception as error:  # one broken module must not hide the others' progress
            item.error = describe_error(error)
    for exercise in checks.registered().values():
        if exercise.module in modules and exercise.notebook in notebooks:
            passed = bool(recorded.get(exercise.id, {}).get("passed"))
            notebooks[exercise.notebook].add(exercise.level, passed)
    return [notebooks[number] for number in sorted(notebooks)]


def _counts(total: dict[int, int], done: dict[int, int]) -> str:
    from course_lib.checks import LEVELS

    overall = f"{sum(done.values()):>2}/{sum(total.values()):<2}"
    levels = "  ".join(
        f"{LEVELS[level]} {done.get(level, 0)}/{total[level]}" for level in sorted(total) if total[level]
    )
    return f"{overall}   {levels}".rstrip()


def report(path: Path | None = None) -> str:
    """The text ``python -m course_lib progress`` prints."""
    path = path or progress_file()
    notebooks = summary(path)
    width = max((len(item.notebook) for item in notebooks), default=10) + 2
    root = checkout_root()
    shown = path.relative_to(root) if path.is_relative_to(root) else path
    lines = [f"Exercises passed, per notebook (kept in {shown}, never sent anywhere):"]
    total: dict[int, int] = {}
    done: dict[int, int] = {}
    for item in notebooks:
        line = f"  {item.notebook:<{width}}{_counts(item.total, item.done)}"
        if item.error:
            line += f"  (its checks do not load: {item.error.splitlines()[0]})"
        lines.append(line)
        for level, count in item.total.items():
            total[level] = total.get(level, 0) + count
            done[level] = done.get(level, 0) + item.done.get(level, 0)
    lines.append(f"  {'all':<{width}}{_counts(total, done)}")
    lines.append("★ applies one idea, ★★ combines two, ★★★ is a problem the notebook did not show.")
    return "\n".join(lines)
