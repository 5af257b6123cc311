"""The course data set (``data/*.csv``): typed rows and a loader for notebook databases.

>>> rows = read_rows("tasks")          # list of dicts with int, date, aware datetime, None
>>> with Session(engine) as session:
...     load_course_data(session, User=User, Project=Project, Task=Task)
{'user': 40, 'project': 12, 'task': 300}

Notebooks that teach loading write the loop themselves; the others call
:func:`load_course_data`.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import text
from sqlalchemy.orm import Session

from course_lib.paths import checkout_root

DATA_DIR = checkout_root() / "data"


def _bool(value: str) -> bool:
    if value not in ("true", "false"):
        raise ValueError(f"expected true or false, got {value!r}")
    return value == "true"


def _datetime(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"timestamp without a UTC offset: {value!r}")
    return moment


# Column types per file; columns not listed are text.
COLUMN_TYPES: dict[str, dict[str, Callable[[str], Any]]] = {
    "users": {"id": int, "is_active": _bool, "created_at": _datetime},
    "projects": {"id": int, "owner_id": int, "created_at": _datetime},
    "tasks": {
        "id": int,
        "project_id": int,
        "assignee_id": int,
        "priority": int,
        "due_date": date.fromisoformat,
        "created_at": _datetime,
        "completed_at": _datetime,
    },
    "tags": {"id": int},
    "task_tags": {"task_id": int, "tag_id": int},
}

# Load order: parents before children.
LOAD_ORDER = [
    ("users", "User"),
    ("projects", "Project"),
    ("tags", "Tag"),
    ("tasks", "Task"),
    ("task_tags", "TaskTagLink"),
]


def data_path(name: str) -> Path:
    """The path of a data file: ``data_path("tasks")`` or ``data_path("tasks.csv")``."""
    path = DATA_DIR / (name if name.endswith(".csv") else f"{name}.csv")
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in DATA_DIR.glob("*.csv")))
        raise FileNotFoundError(f"no data file {path.name!r}; the data set has: {known}")
    return path


def read_rows(name: str) -> list[dict[str, Any]]:
    """The rows of a data file as dicts of typed values (empty field -> None)."""
    path = data_path(name)
    types = COLUMN_TYPES.get(path.stem, {})
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            {column: (None if raw == "" else types.get(column, str)(raw)) for column, raw in row.items()}
            for row in csv.DictReader(handle)
        ]


def load_course_data(
    session: Session,
    *,
    User: Any = None,
    Project: Any = None,
    Task: Any = None,
    Tag: Any = None,
    TaskTagLink: Any = None,
) -> dict[str, int]:
    """Add the data set's rows for the models given, commit, and move id sequences on.

    Each model's fields must be named like the CSV columns; CSV columns a model
    lacks are ignored, and fields the CSV lacks take the model's defaults.
    After the commit each loaded table's ``id`` sequence is set to ``max(id)``
    so a later insert without an id gets a fresh one.  Returns the rows loaded
    per table name, e.g. ``{"user": 40, "task": 300}``.
    """
    models = {"User": User, "Project": Project, "Task": Task, "Tag": Tag, "TaskTagLink": TaskTagLink}
    loaded: dict[str, int] = {}
    for file_name, model_key in LOAD_ORDER:
        model = models[model_key]
        if model is None:
            continue
        fields = set(model.model_fields)
        rows = [{k: v for k, v in row.items() if k in fields} for row in read_rows(file_name)]
        session.add_all(model(**row) for row in rows)
        session.flush()  # parents reach the database before their children
        loaded[sa_inspect(model).local_table.name] = len(rows)
    session.commit()
    for model in models.values():
        if model is not None:
            _advance_id_sequence(session, model)
    session.commit()
    return loaded


def _advance_id_sequence(session: Session, model: Any) -> None:
    """``setval`` the table's ``id`` sequence to ``max(id)``, if it has one."""
    table = sa_inspect(model).local_table
    if "id" not in table.c:
        return
    preparer = session.get_bind().dialect.identifier_preparer
    qualified = preparer.format_table(table)
    session.execute(
        text(
            "SELECT setval(pg_get_serial_sequence(:table, 'id'), max(id)) FROM "
            + qualified
            + " WHERE pg_get_serial_sequence(:table, 'id') IS NOT NULL HAVING max(id) IS NOT NULL"
        ),
        {"table": qualified},
    )
