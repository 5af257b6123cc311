"""What several of notebook 02's checks share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from course_lib.exercises import check_database

TABLES = [
    """CREATE TABLE "user" (
        id serial PRIMARY KEY,
        email varchar(255) NOT NULL UNIQUE,
        username varchar(40) NOT NULL UNIQUE,
        full_name varchar NOT NULL,
        is_active boolean NOT NULL,
        hashed_password varchar NOT NULL,
        created_at timestamptz NOT NULL
    )""",
    """CREATE TABLE project (
        id serial PRIMARY KEY,
        owner_id integer NOT NULL REFERENCES "user" (id),
        name varchar NOT NULL UNIQUE,
        description varchar,
        created_at timestamptz NOT NULL
    )""",
    """CREATE TABLE task (
        id serial PRIMARY KEY,
        project_id integer NOT NULL REFERENCES project (id),
        assignee_id integer REFERENCES "user" (id),
        title varchar(200) NOT NULL,
        description varchar,
        status varchar(20) NOT NULL,
        priority integer NOT NULL,
        due_date date,
        created_at timestamptz NOT NULL,
        completed_at timestamptz,
        deleted_at timestamptz
    )""",
]

CREATED = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
DELETED = datetime(2025, 4, 1, 12, 0, tzinfo=UTC)

# (id, project_id, title, description, status, priority, deleted): inserted in this order,
# which is not the order of the ids, so a page without a complete ORDER BY comes out wrong.
TASKS = [
    (9, 1, "Tune autovacuum", "Autovacuum falls behind on the busiest table.", "todo", 2, False),
    (3, 1, "Read/write split", None, "in_progress", 1, False),
    (14, 1, "Fix 100% CPU on worker_7", "The worker spins at 100% after a deploy.", "todo", 2, False),
    (1, 1, "Audit user_id columns", "Every user_id must have a foreign key.", "blocked", 2, False),
    (12, 1, "Café au lait for the on-call team", None, "done", 3, False),
    (5, 1, "Archive old partitions", "userXid in the old schema", "todo", 2, True),
    (7, 1, "Raise the PostgreSQL work_mem", "Sorting spills to disk.", "todo", 1, False),
    (2, 1, "Upgrade PostgreSQL", "Plan the upgrade to 18.", "in_progress", 4, False),
    (16, 1, "Rotate the TLS certificates", "userXid appears here too", "todo", 2, True),
    (11, 1, "Document the runbook", "Steps for 50% of the failover cases.", "todo", 3, False),
    (4, 2, "Write the launch post", "The café section needs photos.", "todo", 2, False),
    (6, 2, "Prepare 100 % of the slides", None, "todo", 1, False),
    (8, 2, "Rename userXid to account_id", "Old name: userXid.", "done", 2, False),
    (10, 3, "Retired task", "Soft-deleted, like its whole project.", "todo", 2, True),
    (13, 3, "Another retired task", "a/b testing notes", "done", 1, True),
    (15, 2, "Plan the read/write split", "Route reads to the replica.", "blocked", 1, False),
]


@contextmanager
def _course_database() -> Iterator[Engine]:
    """A scratch database with the notebook's tables and the check's own rows."""
    with check_database() as engine:
        with engine.begin() as conn:
            for ddl in TABLES:
                conn.execute(text(ddl))
            conn.execute(
                text(
                    'INSERT INTO "user" (id, email, username, full_name, is_active, hashed_password, '
                    "created_at) VALUES (1, 'zoë@example.com', 'zoe', 'Zoë Ångström', true, 'x', :at), "
                    "(2, 'li@example.com', 'li', 'Li Wei', false, 'x', :at)"
                ),
                {"at": CREATED},
            )
            conn.execute(
                text(
                    "INSERT INTO project (id, owner_id, name, created_at) VALUES "
                    "(1, 1, 'Database upkeep', :at), (2, 2, 'Launch', :at), (3, 1, 'Archived', :at), "
                    "(4, 2, 'Empty', :at)"
                ),
                {"at": CREATED},
            )
            conn.execute(
                text(
                    "INSERT INTO task (id, project_id, assignee_id, title, description, status, "
                    "priority, created_at, deleted_at) VALUES (:id, :project_id, NULL, :title, "
                    ":description, :status, :priority, :at, :deleted_at)"
                ),
                [
                    {
                        "id": task_id,
                        "project_id": project_id,
                        "title": title,
                        "description": description,
                        "status": status,
                        "priority": priority,
                        "at": CREATED,
                        "deleted_at": DELETED if deleted else None,
                    }
                    for task_id, project_id, title, description, status, priority, deleted in TASKS
                ],
            )
            for table in ('"user"', "project", "task"):
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}")
                )
        yield engine


def _rows(engine: Engine, sql: str, **params: Any) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql), params)]


def _scalars(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params).scalars())
