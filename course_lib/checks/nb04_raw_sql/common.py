"""What several of notebook 04's checks share."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.engine import Engine

from course_lib.exercises import (
    check_database,
)

TABLES = [
    """CREATE TABLE "user" (
        id serial PRIMARY KEY,
        email varchar NOT NULL UNIQUE,
        username varchar NOT NULL UNIQUE,
        full_name varchar NOT NULL,
        is_active boolean NOT NULL,
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
        project_id integer NOT NULL REFERENCES project (id) ON DELETE CASCADE,
        assignee_id integer REFERENCES "user" (id) ON DELETE SET NULL,
        title varchar NOT NULL,
        description varchar,
        status varchar NOT NULL,
        priority integer NOT NULL,
        due_date date,
        created_at timestamptz NOT NULL,
        completed_at timestamptz
    )""",
]
LONG_AGO = datetime(2020, 2, 29, 12, 0, tzinfo=UTC)
# (email, username, full_name, is_active)
USERS = [
    ("zoe@example.com", "zoë", "Zoë Ångström", True),
    ("bo@example.com", "bo", "Bo Lind", False),  # inactive: an upsert must not wake him up
    ("amir@example.com", "amir", "Amir Haddad", True),
]
# Project names: one with a quote, one non-ASCII, one without tasks, one with only done tasks.
PROJECTS = ["Ops", "O'Brien's garden", "Ünïcode launch", "Empty shelf", "All done", "Zebra"]
UTC_MIDNIGHT = datetime(2025, 12, 1, tzinfo=UTC)
# (project, title, status, completed_at): ids follow this order.
TASKS = [
    ("Ops", "Rotate keys", "todo", None),
    ("Ops", "Write docs", "in_progress", None),
    ("Ops", "Écrire la FAQ", "blocked", None),
    ("Ops", "Fix cron", "done", UTC_MIDNIGHT - timedelta(minutes=30)),  # 2025-11 in UTC, 2025-12 east of it
    ("O'Brien's garden", "Water the roses", "todo", None),
    ("O'Brien's garden", "Write docs", "done", UTC_MIDNIGHT + timedelta(minutes=10)),  # a duplicate title
    ("O'Brien's garden", "Prune", "todo", None),
    ("Ünïcode launch", "Translate to Ελληνικά", "todo", None),
    ("Ünïcode launch", "Ship", "done", datetime(2026, 2, 15, 9, 0, tzinfo=UTC)),  # 2026-01: no completion
    ("Ünïcode launch", "Fix cron", "done", datetime(2026, 3, 31, 22, 0, tzinfo=UTC)),  # April in Auckland
    ("Ünïcode launch", "Demo", "in_progress", None),
    ("All done", "Archive", "done", datetime(2026, 2, 1, 3, 0, tzinfo=UTC)),  # January in Los Angeles
    ("All done", "Close", "done", datetime(2026, 2, 20, 12, 0, tzinfo=UTC)),
    ("Zebra", "Feed", "todo", None),
    ("Zebra", "Clean", "blocked", None),
    ("Zebra", "Count stripes", "done", datetime(2025, 12, 24, 18, 0, tzinfo=UTC)),
    # Titles that tie with others in the same projects (Ops and Zebra): ids 17-21.
    ("Zebra", "Rotate keys", "todo", None),
    ("Zebra", "Write docs", "in_progress", None),
    ("Zebra", "Triage", "todo", None),
    ("Ops", "Triage", "todo", None),
    ("Zebra", "Triage", "blocked", None),
]
# Ties stored out of id order: an UPDATE writes a new row version at the end of the table, so a
# scan meets these rows last, and ORDER BY title alone leaves the tied tasks out of id order.
MOVED_TO_THE_END = "UPDATE task SET description = 'moved' WHERE id IN (1, 19, 20)"


@contextlib.contextmanager
def _course_database() -> Iterator[Engine]:
    """A scratch database with the notebook's tables and the check's own rows."""
    with check_database() as engine:
        with engine.begin() as conn:
            for ddl in TABLES:
                conn.execute(text(ddl))
            conn.execute(
                text(
                    'INSERT INTO "user" (email, username, full_name, is_active, created_at) '
                    "VALUES (:email, :username, :full_name, :is_active, :created_at)"
                ),
                [
                    {"email": e, "username": u, "full_name": f, "is_active": a, "created_at": LONG_AGO}
                    for e, u, f, a in USERS
                ],
            )
            conn.execute(
                text(
                    "INSERT INTO project (owner_id, name, created_at) "
                    'VALUES ((SELECT min(id) FROM "user"), :name, :created_at)'
                ),
                [{"name": name, "created_at": LONG_AGO} for name in PROJECTS],
            )
            for n, (project, title, status, completed_at) in enumerate(TASKS):
                conn.execute(
                    text(
                        "INSERT INTO task (project_id, title, status, priority, created_at, completed_at) "
                        "SELECT id, :title, :status, :priority, :created_at, :completed_at "
                        "FROM project WHERE name = :project"
                    ),
                    {
                        "project": project,
                        "title": title,
                        "status": status,
                        "priority": 1 + n % 4,
                        "created_at": datetime(2025, 9, 1, tzinfo=UTC) + timedelta(days=n),
                        "completed_at": completed_at,
                    },
                )
            conn.execute(text(MOVED_TO_THE_END))
        yield engine
