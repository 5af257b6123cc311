"""Checks for notebooks/02_crud.ipynb.

Every check builds a scratch database of its own (:func:`check_database`) with
the notebook's three tables (``user``, ``project``, ``task``, same columns) and
rows the learner has not seen: ties in priority, rows stored out of id order,
soft-deleted tasks, NULL descriptions, ``%``, ``_`` and ``/`` in titles,
non-ASCII text, empty pages and empty projects. The learner's function runs
against it through the learner's own models, and its result is compared with the
answer of plain SQL on the same rows.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from course_lib.exercises import Hint, LearnerError, check_database, exercise, learner

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


# --- nb02-page --------------------------------------------------------------------------------

PAGE_PROBES = [(1, 1, 3), (1, 2, 3), (1, 3, 3), (1, 4, 3), (1, 1, 100), (2, 2, 2), (3, 1, 5), (4, 1, 5)]


@exercise("nb02-page", level=2)
def page(answer: Any) -> str:
    with _course_database() as engine:
        for project_id, page_number, size in PAGE_PROBES:
            everything = _scalars(
                engine,
                "SELECT title FROM task WHERE project_id = :p AND deleted_at IS NULL ORDER BY priority, id",
                p=project_id,
            )
            expected = everything[(page_number - 1) * size : page_number * size]
            with Session(engine) as session:
                got = learner(answer, session, project_id, page_number, size)
            if not isinstance(got, list):
                raise Hint(
                    f"return a list of titles (list(session.exec(...).all())), not {type(got).__name__}."
                )
            got = [row[0] if isinstance(row, tuple) and len(row) == 1 else row for row in got]
            if any(not isinstance(title, str) for title in got):
                raise Hint(
                    "each item should be a title (a str): select(Task.title), not select(Task), "
                    f"gives the titles; got {type(next(t for t in got if not isinstance(t, str))).__name__}."
                )
            if got == expected:
                continue
            call = f"live_tasks_page(session, {project_id}, {page_number}, {size})"
            with_deleted = _scalars(
                engine, "SELECT title FROM task WHERE project_id = :p ORDER BY priority, id", p=project_id
            )
            if got and got == everything[page_number * size : (page_number + 1) * size]:
                raise Hint(
                    f"{call}: one page too far. Page 1 starts at offset 0: offset = (page - 1) * size."
                )
            if set(got) - set(everything) and set(got) <= set(with_deleted):
                raise Hint(
                    f"{call} returned a soft-deleted task: leave out the rows whose deleted_at is set "
                    "(col(Task.deleted_at).is_(None))."
                )
            if set(got) - set(with_deleted):
                raise Hint(f"{call} returned tasks of another project: filter on Task.project_id.")
            priority = dict(_rows(engine, "SELECT title, priority FROM task"))
            if sorted(got) == sorted(expected) or [priority.get(t) for t in got] == [
                priority[t] for t in expected
            ]:
                raise Hint(
                    f"{call}: the right priorities, but not the right tasks among equal ones. Several "
                    "tasks share a priority, so order by priority, then id: without the id the order "
                    "of ties is up to PostgreSQL."
                )
            raise Hint(
                f"{call} returned {len(got)} titles, {got!r}; expected {len(expected)}. A page is "
                ".offset((page - 1) * size).limit(size) after the complete order_by."
            )
    return "every page holds the right live tasks in a stable order, and past the end a page is empty."


# --- nb02-search ------------------------------------------------------------------------------

SEARCHES = ["_id", "100%", "postgresql", "café", "read/write", "a/b"]


@exercise("nb02-search", level=2)
def search(answer: Any) -> str:
    with _course_database() as engine:
        for q in SEARCHES:
            expected = _scalars(
                engine,
                "SELECT id FROM task WHERE deleted_at IS NULL AND (strpos(lower(title), lower(:q)) > 0 "
                "OR strpos(lower(coalesce(description, '')), lower(:q)) > 0) ORDER BY id",
                q=q,
            )
            with Session(engine) as session:
                got = learner(answer, session, q)
            if not isinstance(got, list):
                raise Hint(f"return a list of task ids, not {type(got).__name__}.")
            got = [row[0] if isinstance(row, tuple) and len(row) == 1 else row for row in got]
            if any(isinstance(task_id, bool) or not isinstance(task_id, int) for task_id in got):
                raise Hint("each item should be a task id (an int): select(Task.id), not select(Task).")
            if got == expected:
                continue
            call = f"search_tasks(session, {q!r})"
            if sorted(got, key=repr) == sorted(expected, key=repr):
                raise Hint(f"{call}: the right ids in another order: order_by(Task.id).")
            found_anywhere = set(
                _scalars(
                    engine,
                    "SELECT id FROM task WHERE strpos(lower(title), lower(:q)) > 0 "
                    "OR strpos(lower(coalesce(description, '')), lower(:q)) > 0",
                    q=q,
                )
            )
            extra = set(got) - set(expected)
            if extra and extra <= found_anywhere:
                raise Hint(
                    f"{call} found soft-deleted tasks ({sorted(extra)}): keep deleted_at IS NULL only."
                )
            if extra:
                raise Hint(
                    f"{call} found {sorted(extra)}, which do not contain {q!r}: in LIKE, % and _ are "
                    "wildcards. icontains(q, autoescape=True) makes them match only themselves."
                )
            missing = set(expected) - set(got)
            in_description = set(
                _scalars(
                    engine,
                    "SELECT id FROM task WHERE strpos(lower(title), lower(:q)) = 0 "
                    "AND strpos(lower(coalesce(description, '')), lower(:q)) > 0",
                    q=q,
                )
            )
            if missing and missing <= in_description:
                raise Hint(
                    f"{call} missed {sorted(missing)}, whose description contains {q!r}: search the "
                    "title or the description (or_(...)); a NULL description simply does not match."
                )
            raise Hint(
                f"{call} missed {sorted(missing)}: compare case-insensitively (icontains), with "
                "autoescape=True so that / % _ in q are plain characters."
            )
    return "title or description, any case, % _ / taken literally, live tasks only."


# --- nb02-bulk-load ---------------------------------------------------------------------------

IMPORT_AT = datetime(2025, 5, 5, 8, 0, tzinfo=UTC)
IMPORTED = [
    {"project_id": 2, "title": "Import: first", "description": "from the CSV", "created_at": IMPORT_AT},
    {"project_id": 2, "title": "Import: second", "status": "done", "priority": 1, "created_at": IMPORT_AT},
    {
        "project_id": 4,
        "title": "Import: third, ünïcode",
        "description": None,
        "due_date": date(2025, 12, 31),
        "created_at": IMPORT_AT,
    },
    {"project_id": 4, "title": "Import: fourth", "assignee_id": 1, "priority": 3, "created_at": IMPORT_AT},
    {
        "project_id": 2,
        "title": "Import: fifth",
        "due_date": None,
        "status": "blocked",
        "created_at": IMPORT_AT,
    },
    {"project_id": 4, "title": "Import: sixth", "created_at": IMPORT_AT},
]
STORED_COLUMNS = "project_id, assignee_id, title, description, status, priority, due_date"


def _by_title(rows: Any) -> list[tuple]:
    return sorted(rows, key=lambda row: row[2])


def _expected_import() -> list[tuple]:
    return _by_title(
        (
            row["project_id"],
            row.get("assignee_id"),
            row["title"],
            row.get("description"),
            row.get("status", "todo"),
            row.get("priority", 2),
            row.get("due_date"),
        )
        for row in IMPORTED
    )


@exercise("nb02-bulk-load", level=3)
def bulk_load(answer: Any) -> str:
    with _course_database() as engine:
        before = _scalars(engine, "SELECT count(*) FROM task")[0]
        calls: list[tuple[str, bool]] = []

        def record(conn, cursor, statement, parameters, context, executemany):
            calls.append((statement, executemany))

        rows = [dict(row) for row in IMPORTED]
        event.listen(engine, "before_cursor_execute", record)
        try:
            with Session(engine) as session:
                returned = learner(answer, session, rows)
        except LearnerError as error:
            _explain_import_error(error)
            raise
        finally:
            event.remove(engine, "before_cursor_execute", record)
        inserts = [statement for statement, _ in calls if statement.lstrip().upper().startswith("INSERT")]
        with engine.connect() as conn:
            stored = _by_title(
                tuple(row)
                for row in conn.execute(
                    text(f"SELECT {STORED_COLUMNS} FROM task WHERE id > :last ORDER BY id"),
                    {"last": 16},
                )
            )
        if not stored:
            raise Hint(
                "no new task is in the table after load_tasks returned: commit at the end (session.commit())."
            )
        expected = _expected_import()
        if stored != expected:
            wrong = [row for row in stored if row not in expected]
            raise Hint(
                f"the stored rows differ, e.g. {wrong[0] if wrong else stored!r} (project_id, assignee_id, "
                "title, description, status, priority, due_date). A key missing from a row must take "
                "the model's default (status 'todo', priority 2); an explicit None stays NULL."
            )
        if len(inserts) != 1:
            raise Hint(
                f"the {len(IMPORTED)} rows went in with {len(inserts)} INSERT cursor calls, not one. "
                "Rows whose keys differ, or with None in different places, go in separate groups: give "
                "every row the same keys (filled with the model's defaults) and send None as NULL "
                "(render_nulls=True)."
            )
        if returned != len(IMPORTED) or isinstance(returned, bool):
            raise Hint(
                f"load_tasks should return how many rows it inserted ({len(IMPORTED)}), not {returned!r}."
            )
        after = _scalars(engine, "SELECT count(*) FROM task")[0]
        if after != before + len(IMPORTED):
            raise Hint("load_tasks should add the rows given and change nothing else.")
    return "one cursor call for all the rows, defaults where keys were missing, NULL where None was given."


def _explain_import_error(error: LearnerError) -> None:
    """A Hint for the two NOT NULL violations a learner meets here; otherwise let the error through."""
    cause = error.error
    if not isinstance(cause, IntegrityError):
        return
    message = str(cause.orig)
    if 'column "id"' in message:
        raise Hint(
            "id was sent as NULL: a row with id None and render_nulls=True asks for NULL, not for the "
            "sequence. Leave id out of the rows (model_dump(exclude={'id'}) or pick the keys you need)."
        ) from None
    for column in ("status", "priority", "created_at", "title", "project_id"):
        if f'column "{column}"' in message:
            raise Hint(
                f"{column} was sent as NULL: a key that is missing from a row is not the same as None. "
                f"Fill the missing keys with the model's defaults (Task.model_fields[{column!r}].default), "
                "and use None only where the row really says None."
            ) from None


# --- nb02-async-count -------------------------------------------------------------------------

COUNT_PROBES = [1, 2, 3, 4, 99]


def _run_in_own_loop(coroutine_function: Any, *args: Any) -> Any:
    """Run ``coroutine_function(*args)`` on an event loop of its own (Jupyter's loop is already running)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine_function(*args)).result()


async def _learner_counts(url: Any, answer: Any) -> dict[int, Any]:
    async_engine = create_async_engine(url)
    try:
        counts = {}
        for project_id in COUNT_PROBES:
            async with AsyncSession(async_engine) as session:
                try:
                    result = answer(session, project_id)
                    if inspect.isawaitable(result):
                        result = await result
                except Exception as error:
                    raise LearnerError("code", error) from error
            counts[project_id] = result
        return counts
    finally:
        await async_engine.dispose()


@exercise("nb02-async-count", level=2)
def async_count(answer: Any) -> str:
    if not callable(answer):
        raise Hint(f"the answer should be the async function itself, not {type(answer).__name__}.")
    with _course_database() as engine:
        try:
            got = _run_in_own_loop(_learner_counts, engine.url, answer)
        except LearnerError as error:
            if "coroutine" in str(error.error):
                raise Hint(
                    "with an AsyncSession, session.exec(...) returns a coroutine: write "
                    "`result = await session.exec(...)` inside an `async def`."
                ) from None
            raise
        for project_id in COUNT_PROBES:
            expected = _scalars(
                engine, "SELECT count(*) FROM task WHERE project_id = :p AND deleted_at IS NULL", p=project_id
            )[0]
            value = got[project_id]
            call = f"await live_task_count(session, {project_id})"
            if isinstance(value, bool) or not isinstance(value, int):
                raise Hint(
                    f"{call} gave {value!r} ({type(value).__name__}): return the number itself, "
                    "e.g. (await session.exec(select(func.count())...)).one()."
                )
            if value == expected:
                continue
            with_deleted = _scalars(engine, "SELECT count(*) FROM task WHERE project_id = :p", p=project_id)[
                0
            ]
            if value == with_deleted:
                raise Hint(f"{call} counted soft-deleted tasks too: add col(Task.deleted_at).is_(None).")
            raise Hint(
                f"{call} gave {value}, but the project has {expected} live tasks: count its tasks only."
            )
    return "the live tasks of each project, counted in the database, with an AsyncSession."
