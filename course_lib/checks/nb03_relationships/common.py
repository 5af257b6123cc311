"""What several of notebook 03's checks share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from course_lib.exercises import Hint

# The notebook's tables, as its models create them (same names, columns and ON DELETE rules).
SCHEMA = [
    """CREATE TABLE "user" (
        id serial PRIMARY KEY, email varchar NOT NULL UNIQUE, username varchar NOT NULL UNIQUE,
        full_name varchar NOT NULL, is_active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now())""",
    """CREATE TABLE project (
        id serial PRIMARY KEY, owner_id integer NOT NULL REFERENCES "user" (id),
        name varchar NOT NULL UNIQUE, description varchar,
        created_at timestamptz NOT NULL DEFAULT now())""",
    """CREATE TABLE task (
        id serial PRIMARY KEY,
        project_id integer NOT NULL REFERENCES project (id) ON DELETE CASCADE,
        assignee_id integer REFERENCES "user" (id) ON DELETE SET NULL,
        title varchar NOT NULL, description varchar, status varchar NOT NULL DEFAULT 'todo',
        priority integer NOT NULL DEFAULT 2, due_date date,
        created_at timestamptz NOT NULL DEFAULT now(), completed_at timestamptz)""",
    "CREATE TABLE tag (id serial PRIMARY KEY, name varchar NOT NULL UNIQUE)",
    """CREATE TABLE tasktaglink (
        task_id integer REFERENCES task (id) ON DELETE CASCADE,
        tag_id integer REFERENCES tag (id) ON DELETE CASCADE,
        PRIMARY KEY (task_id, tag_id))""",
    """CREATE TABLE projectmember (
        project_id integer REFERENCES project (id) ON DELETE CASCADE,
        user_id integer REFERENCES "user" (id) ON DELETE CASCADE,
        role varchar NOT NULL DEFAULT 'member', PRIMARY KEY (project_id, user_id))""",
]
USERS = [(1, "lin@example.com", "lin", "Lin Wu"), (2, "ole@example.com", "ole", "Ole Ås")]
PROJECTS = [
    (1, 1, "Atlas"),  # tasks of every status
    (2, 1, "Bureau"),  # every task done
    (3, 2, "Café ☕"),  # no task at all
    (4, 2, "Dune"),  # open tasks only, one of them blocked
    (5, 1, "Écluse"),  # one open task
]
TASKS = [
    (1, 1, "Write docs", "todo"),
    (2, 1, "Write docs", "in_progress"),  # the same title, another task
    (3, 1, "Ship it", "done"),
    (4, 1, "Fix login", "blocked"),
    (5, 2, "Close books", "done"),
    (6, 2, "Send invoices", "done"),
    (7, 4, "Map the dunes", "todo"),
    (8, 4, "Über-refactor", "blocked"),
    (9, 5, "Open the lock", "in_progress"),
]
TAGS = [(1, "docs"), (2, "urgent"), (3, "backend"), (4, "unused"), (5, "café"), (6, "ops")]
LINKS = [  # (task_id, tag_id)
    (1, 1),
    (2, 1),
    (3, 1),
    (8, 1),  # docs: two open tasks titled alike, a done one, a non-ASCII title
    (3, 2),
    (5, 2),  # urgent: done tasks only
    (1, 3),
    (4, 3),
    (7, 3),  # backend
    (1, 5),
    (9, 5),  # café
    (4, 6),
    (9, 6),  # ops
]


def _fill(engine: Engine) -> None:
    rows = {
        '"user" (id, email, username, full_name)': USERS,
        "project (id, owner_id, name)": PROJECTS,
        "task (id, project_id, title, status)": TASKS,
        "tag (id, name)": TAGS,
        "tasktaglink (task_id, tag_id)": LINKS,
    }
    with engine.begin() as conn:
        for statement in SCHEMA:
            conn.execute(text(statement))
        for target, values in rows.items():
            names = [f"p{n}" for n in range(len(values[0]))]
            conn.execute(
                text(f"INSERT INTO {target} VALUES ({', '.join(':' + name for name in names)})"),
                [dict(zip(names, row, strict=True)) for row in values],
            )
        for table in ("user", "project", "task", "tag"):
            sequence = f"pg_get_serial_sequence('\"{table}\"', 'id')"
            conn.execute(text(f'SELECT setval({sequence}, (SELECT max(id) FROM "{table}"))'))


def _sql(engine: Engine, sql: str, **params: Any) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql), params)]


def _function(answer: Any, name: str) -> Callable:
    if not callable(answer) or isinstance(answer, type):
        raise Hint(f"pass the function itself: check(..., {name}), not its result.")
    return answer
