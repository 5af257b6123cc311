"""Exercise checks, one module per notebook (``nb04_raw_sql.py``, ...), and their registry.

A notebook's checks may also be a package (``nb04_raw_sql/``, one module per
exercise, imported by its ``__init__``); it counts as one check module.

A module registers its checks with ``@exercise("nb04-name", level=2)`` from
:mod:`course_lib.exercises`. Nothing imports the modules up front: the first
``check("nb04-...")`` imports only notebook 04's module(s), chosen by the
``nbNN`` prefix of the id, so a broken module of one notebook never breaks
another notebook's checks. :func:`load_all` imports every module (tests, and
``python -m course_lib progress`` for its totals).

This package's ``__init__`` (the registry) imports nothing from the course, so
:mod:`course_lib.exercises` can use it without importing any check module.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass

#: The levels of an exercise: 1 applies one idea, 2 combines two, 3 is a problem the notebook did not show.
LEVELS = {1: "★", 2: "★★", 3: "★★★"}
#: ``nb04-tasks-with-status`` belongs to notebook ``04``.
_EXERCISE_ID = re.compile(r"^nb(\d\d)-")
#: ``nb04_raw_sql`` is a check module of notebook ``04``.
_MODULE_NAME = re.compile(r"^nb(\d\d)_\w+$")


@dataclass(frozen=True)
class Exercise:
    """A registered check: its id, level (1-3, shown as ★ to ★★★) and function."""

    id: str
    level: int
    function: Callable
    module: str

    @property
    def notebook(self) -> str | None:
        """The notebook's number (``"04"``), or None for an id without the ``nbNN-`` prefix."""
        return notebook_of(self.id)


_REGISTRY: dict[str, Exercise] = {}


class UnknownExercise(KeyError):
    """No check is registered under this id (a mistake of the notebook's author)."""


def notebook_of(exercise_id: str) -> str | None:
    """``"04"`` for ``"nb04-name"``; None if the id has no ``nbNN-`` prefix."""
    found = _EXERCISE_ID.match(exercise_id)
    return found.group(1) if found else None


def register(exercise_id: str, level: int, function: Callable) -> Exercise:
    """Add a check under ``exercise_id`` (an id is registered once)."""
    if exercise_id in _REGISTRY:
        raise ValueError(f"two checks are registered as {exercise_id!r}")
    entry = Exercise(exercise_id, level, function, check_module(getattr(function, "__module__", "") or ""))
    _REGISTRY[exercise_id] = entry
    return entry


def check_module(module: str) -> str:
    """The check module a module belongs to: ``checks.nb04_raw_sql`` for ``checks.nb04_raw_sql.ex1``."""
    prefix = f"{__name__}."
    if module.startswith(prefix):
        return prefix + module.removeprefix(prefix).split(".", 1)[0]
    return module


def unregister(exercise_id: str) -> None:
    """Remove a check (tests register throw-away ones)."""
    _REGISTRY.pop(exercise_id, None)


def module_names(notebook: str | None = None) -> list[str]:
    """The check modules' full names, all or those of one notebook (``"04"``), sorted."""
    names = []
    for info in pkgutil.iter_modules(__path__):
        found = _MODULE_NAME.match(info.name)
        if found and notebook in (None, found.group(1)):
            names.append(f"{__name__}.{info.name}")
    return sorted(names)


def load_module(name: str) -> None:
    """Import one check module; if it fails, forget what it registered before failing, and re-raise."""
    try:
        importlib.import_module(name)
    except BaseException:
        for exercise_id in [key for key, entry in _REGISTRY.items() if entry.module == name]:
            del _REGISTRY[exercise_id]
        raise


def load(notebook: str) -> None:
    """Import the check modules of one notebook (``"04"``)."""
    for name in module_names(notebook):
        load_module(name)


def find(exercise_id: str) -> Exercise:
    """The check registered as ``exercise_id``, importing its notebook's module(s) if needed.

    Raises UnknownExercise (a KeyError) for an unknown id, and whatever the module
    raises if it cannot be imported.
    """
    if exercise_id not in _REGISTRY and (notebook := notebook_of(exercise_id)) is not None:
        load(notebook)
    if exercise_id not in _REGISTRY:
        notebook = notebook_of(exercise_id)
        known = sorted(key for key in _REGISTRY if notebook is None or notebook_of(key) == notebook)
        raise UnknownExercise(f"no exercise {exercise_id!r}; known: {', '.join(known) or 'none'}")
    return _REGISTRY[exercise_id]


def load_all() -> dict[str, Exercise]:
    """Import every check module (the first import error propagates); every registered check, by id."""
    for name in module_names():
        load_module(name)
    return dict(_REGISTRY)


def registered() -> dict[str, Exercise]:
    """The checks registered so far (without importing anything)."""
    return dict(_REGISTRY)
