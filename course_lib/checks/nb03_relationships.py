"""Checks for notebooks/03_relationships.ipynb.

Each check runs the learner's function (or creates the learner's model) in a scratch database
of its own (``check_database()``), built with the notebook's table and column names but filled
with other rows: a project without tasks, one whose tasks are all done, two tasks with the same
title, a tag nobody uses, non-ASCII names. The learner's functions receive a ``Session`` on that
database and use the notebook's own models, which map onto the same tables.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Column, Integer, MetaData, Table, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, NoReferencedTableError
from sqlmodel import Session

from course_lib.exercises import Hint, LearnerError, check_database, exercise, learner
from course_lib.queries import count_queries

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


# --- exercise 1: walking tag.tasks --------------------------------------------------------------


@exercise("nb03-open-task-titles", level=1)
def open_task_titles(answer: Any) -> str:
    function = _function(answer, "open_task_titles")
    with check_database() as engine:
        _fill(engine)
        for tag_name in ("docs", "urgent", "unused", "café"):
            expected = sorted(
                title
                for (title,) in _sql(
                    engine,
                    """SELECT task.title FROM task JOIN tasktaglink l ON l.task_id = task.id
                       JOIN tag ON tag.id = l.tag_id WHERE tag.name = :tag AND task.status <> 'done'""",
                    tag=tag_name,
                )
            )
            with Session(engine) as session:
                got = learner(function, session, tag_name)
            if got is None:
                raise Hint("open_task_titles returned None: return the list of titles.")
            if not isinstance(got, list):
                raise Hint(f"return a list of titles, not {type(got).__name__}.")
            if any(not isinstance(title, str) for title in got):
                raise Hint("put the titles in the list (task.title), not Task objects.")
            everything = [
                title
                for (title,) in _sql(
                    engine,
                    """SELECT task.title FROM task JOIN tasktaglink l ON l.task_id = task.id
                       JOIN tag ON tag.id = l.tag_id WHERE tag.name = :tag""",
                    tag=tag_name,
                )
            ]
            if got == expected:
                continue
            if sorted(got) == sorted(everything) and sorted(got) != expected:
                raise Hint(
                    f"tag {tag_name!r}: done tasks are in your list; keep those whose status is not 'done'."
                )
            if sorted(set(got)) == sorted(set(expected)) and len(got) < len(expected):
                raise Hint(
                    f"tag {tag_name!r}: two different tasks can have the same title, and both belong in the "
                    "list: do not collapse them (no set)."
                )
            if sorted(got) == expected:
                raise Hint(f"tag {tag_name!r}: the right titles, not sorted: sorted(...).")
            raise Hint(
                f"tag {tag_name!r}: you returned {len(got)} titles, the check expected {len(expected)}. "
                "Find the tag by name, then walk tag.tasks."
            )
    return "tag.tasks walked the link table from the other side; same titles kept, done ones left out."


# --- exercise 2: open tasks per project, without N+1 --------------------------------------------

MAX_COUNT_STATEMENTS = 2


@exercise("nb03-open-tasks-per-project", level=2)
def open_tasks_per_project(answer: Any) -> str:
    function = _function(answer, "open_counts")
    with check_database() as engine:
        _fill(engine)
        expected = dict(
            _sql(
                engine,
                """SELECT project.name, count(task.id) FILTER (WHERE task.status <> 'done')
                   FROM project LEFT JOIN task ON task.project_id = project.id GROUP BY project.name""",
            )
        )
        with Session(engine) as session, count_queries(engine) as sent:
            got = learner(function, session)
    if got is None:
        raise Hint("open_counts returned None: return the dict.")
    if not isinstance(got, dict):
        raise Hint(f"return a dict {{project name: number of open tasks}}, not {type(got).__name__}.")
    missing = sorted(set(expected) - set(got))
    if missing:
        raise Hint(
            f"project {missing[0]!r} is missing: every project belongs in the dict, "
            "a project without open tasks (or without any task) with 0."
        )
    if set(got) != set(expected):
        raise Hint(f"{sorted(set(got) - set(expected))[0]!r} is not a project name.")
    wrong = [name for name in sorted(expected) if got[name] != expected[name]]
    if wrong:
        name = wrong[0]
        raise Hint(
            f"{name!r}: you counted {got[name]!r}, the check {expected[name]}. "
            "Count the tasks whose status is not 'done' (blocked ones are open too)."
        )
    if sent.count > MAX_COUNT_STATEMENTS:
        raise Hint(
            f"right counts, but {sent.count} statements for {len(expected)} projects: each project.tasks "
            "was loaded lazily, one SELECT per project (N+1). Load them with the projects: "
            "selectinload(Project.tasks)."
        )
    return f"{sum(expected.values())} open tasks over {len(expected)} projects, in {sent.count} statement(s)."


# --- exercise 3: a link model whose rows the database cleans up ---------------------------------


def _watch_rows(engine: Engine, table: str) -> list[tuple]:
    return _sql(engine, f"SELECT task_id, user_id FROM {table} ORDER BY task_id, user_id")


@exercise("nb03-watchers", level=2)
def watchers(answer: Any) -> str:
    table = getattr(answer, "__table__", None)
    if not isinstance(answer, type) or not isinstance(table, Table):
        raise Hint(
            "answer_3 should be the link model class itself (class TaskWatcher(SQLModel, table=True))."
        )
    missing = [name for name in ("task_id", "user_id", "since") if name not in table.c]
    if missing:
        raise Hint(
            f"the link table has no column {missing[0]!r}: name the fields task_id, user_id and since."
        )
    metadata = MetaData()
    Table("task", metadata, Column("id", Integer, primary_key=True))
    Table("user", metadata, Column("id", Integer, primary_key=True))
    copy = table.to_metadata(metadata)
    with check_database() as engine:
        try:
            metadata.create_all(engine)
        except NoReferencedTableError:
            raise Hint(
                'the foreign keys should point at the tables task and user: foreign_key="task.id"...'
            ) from None
        targets = {(fk.parent.name, fk.column.table.name) for fk in copy.foreign_keys}
        if not {("task_id", "task"), ("user_id", "user")} <= targets:
            raise Hint('task_id and user_id need foreign keys: Field(foreign_key="task.id"), "user.id".')
        name = engine.dialect.identifier_preparer.format_table(copy)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO task (id) VALUES (1), (2)"))
            conn.execute(text('INSERT INTO "user" (id) VALUES (1), (2)'))
        try:
            with engine.begin() as conn:
                conn.execute(
                    text(f"INSERT INTO {name} (task_id, user_id) VALUES (1, 1), (1, 2), (2, 1), (2, 2)")
                )
                since = conn.execute(text(f"SELECT count(since) FROM {name}")).scalar_one()
        except DBAPIError as error:
            if "since" not in str(error.orig):
                raise Hint(
                    "PostgreSQL refused a watch row giving only task_id and user_id: "
                    f"{str(error.orig).splitlines()[0]}"
                ) from None
            since = 0
        if since != 4:
            raise Hint(
                "rows inserted without `since` have none: PostgreSQL should fill it "
                '(sa_column_kwargs={"server_default": func.now()}, as in 01).'
            )
        try:
            with engine.begin() as conn:
                conn.execute(text(f"INSERT INTO {name} (task_id, user_id) VALUES (1, 1)"))
        except IntegrityError:
            pass
        else:
            raise Hint(
                "the same user could watch the same task twice: make the pair (task_id, user_id) the "
                "primary key, as in TaskTagLink."
            )
        for sql, side in (
            ("DELETE FROM task WHERE id = 1", "task_id"),
            ('DELETE FROM "user" WHERE id = 1', "user_id"),
        ):
            try:
                with engine.begin() as conn:
                    conn.execute(text(sql))
            except IntegrityError:
                raise Hint(
                    f"a raw `{sql}` was refused while watch rows pointed at it: the database does not know "
                    f'what to do with them. ondelete="CASCADE" on {side}.'
                ) from None
        left = _watch_rows(engine, name)
    if left != [(2, 2)]:
        raise Hint(
            f"after deleting task 1 and user 1, the watch rows left are {left}: only (2, 2) should remain. "
            'ondelete="CASCADE" on both foreign keys.'
        )
    return "the database itself removes the watch rows of a deleted task or user, whoever deletes it."


# --- exercise 4: merging two tags ---------------------------------------------------------------


def _links(engine: Engine) -> set[tuple[int, str]]:
    return set(_sql(engine, "SELECT l.task_id, tag.name FROM tasktaglink l JOIN tag ON tag.id = l.tag_id"))


@exercise("nb03-merge-tags", level=3)
def merge_tags(answer: Any) -> str:
    function = _function(answer, "merge_tags")
    keep, drop = "backend", "café"
    with check_database() as engine:
        _fill(engine)
        before = _links(engine)
        had_keep = {task for task, tag in before if tag == keep}
        had_drop = {task for task, tag in before if tag == drop}

        def merge_and_commit(session: Session) -> Any:
            added = function(session, keep, drop)
            session.commit()
            return added

        with Session(engine) as session:
            try:
                added = learner(merge_and_commit, session)
            except LearnerError as error:
                if isinstance(error.error, IntegrityError) and "tasktaglink_pkey" in str(error.error):
                    raise Hint(
                        "tasktaglink's primary key refused a link: a task that already had "
                        f"{keep!r} was linked to it a second time. Check `keep_tag in task.tags` first."
                    ) from None
                raise
        after = _links(engine)
        remaining = {name for (name,) in _sql(engine, "SELECT name FROM tag")}
    if added is None:
        raise Hint(
            "merge_tags returned None: do the merge, and return how many tasks newly got the kept tag."
        )
    if drop in remaining:
        raise Hint(
            f"the tag {drop!r} still exists: delete it once its tasks carry {keep!r} (session.delete)."
        )
    expected = {(task, tag) for task, tag in before if tag != drop} | {(task, keep) for task in had_drop}
    untagged = sorted(task for task in had_drop if (task, keep) not in after)
    if untagged:
        raise Hint(f"task {untagged[0]} was tagged {drop!r} but is not tagged {keep!r} now.")
    if after != expected:
        lost = sorted(before - after - {(task, drop) for task in had_drop})
        raise Hint(
            f"other links changed too, e.g. {lost[0] if lost else sorted(after - expected)[0]}: "
            "only the dropped tag's links should move."
        )
    newly = len(had_drop - had_keep)
    if added != newly:
        raise Hint(
            f"you returned {added!r}; {newly} task(s) newly got {keep!r}. A task that already had "
            f"{keep!r} does not count."
        )
    return f"{newly} task(s) moved to {keep!r}, the one that had both was not linked twice, {drop!r} is gone."
