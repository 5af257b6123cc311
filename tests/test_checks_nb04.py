"""Each check of 04_raw_sql fails on wrong answers and passes on the right one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, text
from sqlalchemy.dialects.postgresql import insert

from course_lib import notebook_database
from course_lib.exercises import run_check

metadata = MetaData()
user_table = Table(
    "user",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String, unique=True, nullable=False),
    Column("username", String, unique=True, nullable=False),
    Column("full_name", String, nullable=False),
)

SCHEMA = """
CREATE TABLE "user" (id serial PRIMARY KEY, email text UNIQUE NOT NULL, username text UNIQUE NOT NULL,
                     full_name text NOT NULL);
CREATE TABLE project (id serial PRIMARY KEY, name text UNIQUE NOT NULL);
CREATE TABLE task (id serial PRIMARY KEY, project_id int NOT NULL REFERENCES project(id), title text NOT NULL,
                   status text NOT NULL, priority int NOT NULL, created_at timestamptz NOT NULL);
"""


@pytest.fixture(scope="module")
def engine():
    db = notebook_database("test_checks_nb04")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    tasks = (
        [("Alpha", f"alpha {n}", "todo", 1) for n in range(6)]
        + [("Beta", f"beta {n}", "blocked", 2) for n in range(5)]
        + [("Gamma", f"gamma {n}", "todo", 3) for n in range(5)]
        + [("Gamma", f"gamma done {n}", "done", 1) for n in range(2)]
    )
    with psycopg.connect(db.libpq_url, autocommit=True) as conn:
        conn.execute(SCHEMA)
        conn.execute("INSERT INTO project (name) VALUES ('Alpha'), ('Beta'), ('Gamma')")
        conn.execute(
            """INSERT INTO "user" (email, username, full_name)
               VALUES ('ada@example.com', 'ada', 'Ada'), ('bob@example.com', 'bob', 'Bob')"""
        )
        for n, (project, title, status, priority) in enumerate(tasks):
            conn.execute(
                """INSERT INTO task (project_id, title, status, priority, created_at)
                   SELECT id, %s, %s, %s, %s FROM project WHERE name = %s""",
                (title, status, priority, start + timedelta(days=n), project),
            )
    engine = create_engine(db.url)
    yield engine
    engine.dispose()


def test_tasks_with_status(engine):
    def bound(session, status):
        query = text("SELECT title FROM task WHERE status = :status ORDER BY title")
        return list(session.execute(query, {"status": status}).scalars())

    def pasted(session, status):
        query = text(f"SELECT title FROM task WHERE status = '{status}' ORDER BY title")
        return list(session.execute(query).scalars())

    def unsorted(session, status):
        return list(reversed(bound(session, status)))

    def rows(session, status):
        return session.execute(
            text("SELECT title FROM task WHERE status = :s ORDER BY title"), {"s": status}
        ).all()

    assert run_check("nb04-tasks-with-status", bound, engine)[0]
    passed, message = run_check("nb04-tasks-with-status", pasted, engine)
    assert not passed and ":status" in message
    passed, message = run_check("nb04-tasks-with-status", unsorted, engine)
    assert not passed and "ORDER BY" in message
    assert not run_check("nb04-tasks-with-status", rows, engine)[0]
    assert not run_check("nb04-tasks-with-status", lambda session, status: None, engine)[0]
    assert not run_check("nb04-tasks-with-status", "bound", engine)[0]


def test_busy_projects(engine):
    right = [("Alpha", 6), ("Beta", 5)]
    assert run_check("nb04-busy-projects", right, engine)[0]
    assert run_check("nb04-busy-projects", [["Alpha", 6], ["Beta", 5]], engine)[0]
    passed, message = run_check("nb04-busy-projects", list(reversed(right)), engine)
    assert not passed and "order" in message
    passed, message = run_check("nb04-busy-projects", [*right, ("Gamma", 5)], engine)
    assert not passed and "HAVING" in message
    assert not run_check("nb04-busy-projects", [("Alpha", 6)], engine)[0]
    assert not run_check("nb04-busy-projects", dict(right), engine)[0]


def test_latest_task_per_project(engine):
    right = {"Alpha": "alpha 5", "Beta": "beta 4", "Gamma": "gamma done 1"}
    assert run_check("nb04-latest-task-per-project", right, engine)[0]
    passed, message = run_check("nb04-latest-task-per-project", {**right, "Alpha": "alpha 0"}, engine)
    assert not passed and "row_number()" in message
    assert not run_check("nb04-latest-task-per-project", {"Alpha": "alpha 5"}, engine)[0]
    assert not run_check("nb04-latest-task-per-project", {**right, "Delta": "x"}, engine)[0]
    assert not run_check("nb04-latest-task-per-project", list(right.items()), engine)[0]


def test_upsert_user(engine):
    def upsert(session, email, username, full_name):
        stmt = insert(user_table).values(email=email, username=username, full_name=full_name)
        stmt = stmt.on_conflict_do_update(
            index_elements=["email"],
            set_={"username": stmt.excluded.username, "full_name": stmt.excluded.full_name},
        )
        session.execute(stmt)

    def plain_insert(session, email, username, full_name):
        session.execute(insert(user_table).values(email=email, username=username, full_name=full_name))

    def do_nothing(session, email, username, full_name):
        stmt = insert(user_table).values(email=email, username=username, full_name=full_name)
        session.execute(stmt.on_conflict_do_nothing())

    def select_then_write(session, email, username, full_name):
        found = session.execute(user_table.select().where(user_table.c.email == email)).first()
        values = {"username": username, "full_name": full_name}
        if found:
            session.execute(user_table.update().where(user_table.c.email == email).values(**values))
        else:
            session.execute(user_table.insert().values(email=email, **values))

    def committing(session, email, username, full_name):
        upsert(session, email, username, full_name)
        session.commit()

    assert run_check("nb04-upsert-user", upsert, engine)[0]
    assert run_check("nb04-upsert-user", upsert, engine)[0]  # the check rolled its changes back
    assert not run_check("nb04-upsert-user", plain_insert, engine)[0]
    passed, message = run_check("nb04-upsert-user", do_nothing, engine)
    assert not passed and "DO UPDATE" in message
    passed, message = run_check("nb04-upsert-user", select_then_write, engine)
    assert not passed and "ON CONFLICT" in message
    passed, message = run_check("nb04-upsert-user", committing, engine)
    assert not passed and "committed" in message
    assert not run_check("nb04-upsert-user", None, engine)[0]
