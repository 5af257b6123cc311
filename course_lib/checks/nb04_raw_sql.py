"""Checks for notebooks/04_raw_sql.ipynb.

Every check builds a scratch database of its own (:func:`check_database`) with the
notebook's ``user``, ``project`` and ``task`` tables (same columns) and rows the learner
has not seen: a project name with a quote, non-ASCII names, a project without tasks and
one whose tasks are all done, duplicate titles, ties, an inactive user, completions just
before and after midnight UTC at a month's end, a month without any completion. The
learner's function or SQL runs there, and its result is compared with the reference
SQL's on the same rows.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import String, bindparam, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from course_lib.exercises import (
    Hint,
    LearnerError,
    check_database,
    describe_error,
    exercise,
    learner,
    learner_rows,
)
from course_lib.queries import count_queries

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
]


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
        yield engine


# --- exercise 1: titles of the tasks of some projects, names bound -----------------------------

TITLES_IN_PROJECTS_SQL = text(
    "SELECT t.title FROM task t JOIN project p ON p.id = t.project_id "
    "WHERE p.name IN :names ORDER BY t.title, t.id"
).bindparams(bindparam("names", expanding=True, type_=String))


def _titles(function: Any, session: Session, names: list[str]) -> Any:
    got = learner(function, session, names)
    session.rollback()
    if got is None:
        raise Hint("the function returned None: return the list of titles.")
    got = list(got)
    if not all(isinstance(title, str) for title in got):
        raise Hint("return plain titles (str), not rows: .scalars() gives the first column of each row.")
    return got


@exercise("nb04-tasks-in-projects", level=1)
def tasks_in_projects(function: Any) -> str:
    if not callable(function):
        raise Hint("pass the function itself: check('nb04-tasks-in-projects', titles_in_projects).")
    with _course_database() as engine, Session(engine) as session:

        def expected(names: list[str]) -> list[str]:
            if not names:
                return []
            with engine.connect() as conn:
                return list(conn.execute(TITLES_IN_PROJECTS_SQL, {"names": names}).scalars())

        plain = ["Ops", "Zebra"]
        got = _titles(function, session, plain)
        if sorted(got) == sorted(expected(plain)) and got != expected(plain):
            raise Hint("the right titles, not in order: ORDER BY the title (then the task id).")
        if got != expected(plain):
            raise Hint(
                f"for the projects {plain} (the check's own data) your function returned {len(got)} "
                f"titles; those projects have {len(expected(plain))} tasks."
            )
        quoted = ["O'Brien's garden", "Ünïcode launch"]
        try:
            got = _titles(function, session, quoted)
        except LearnerError as error:
            raise Hint(
                f"the project name {quoted[0]!r} broke your query ({type(error.error).__name__}): a quote "
                "in a name pasted into SQL ends the string. Pass the names as a bound parameter."
            ) from None
        if got != expected(quoted):
            raise Hint(
                f"for {quoted} the titles differ: does a name with a quote or an accent reach SQL intact?"
            )
        hostile = ["nobody') OR ('1' = '1", "x' OR 'a' = 'a"]
        try:
            leaked = _titles(function, session, hostile)
        except LearnerError:
            leaked = ["(an error)"]
        if leaked:
            raise Hint(
                f"the names {hostile} are no project's, yet your query returned {leaked[:2]}...: the "
                "input rewrote your SQL. Bind the list: bindparam('names', expanding=True)."
            )
        try:
            empty = _titles(function, session, [])
        except LearnerError as error:
            if "character varying = integer" in str(error.error):
                raise Hint(
                    "an empty list of names made your query raise (varchar = integer): for an empty list "
                    "SQLAlchemy writes an empty IN of the parameter's type, INTEGER when it has none. "
                    "Give it one: bindparam('names', expanding=True, type_=String)."
                ) from None
            raise Hint(
                f"an empty list of names made your code raise ({describe_error(error.error)}): it should "
                "give []. An expanding bound parameter handles an empty list."
            ) from None
        if empty:
            raise Hint("an empty list of names should give no titles.")
    return "bound names: quotes, accents, hostile input and an empty list all behave."


# --- exercise 2: open tasks per project, with LEFT JOIN, GROUP BY and HAVING ------------------

OPEN_TASK_COUNTS_SQL = """
SELECT p.name, count(t.id) AS open_tasks
FROM project p LEFT JOIN task t ON t.project_id = p.id AND t.status <> 'done'
GROUP BY p.id, p.name
HAVING count(t.id) >= :min_open
ORDER BY open_tasks DESC, p.name
"""


def _as_name_counts(found: list[tuple]) -> list[tuple[str, int]]:
    if any(len(row) != 2 for row in found):
        raise Hint("each row should have two columns: the project's name and its number of open tasks.")
    try:
        return [(name, int(count)) for name, count in found]
    except (TypeError, ValueError):
        raise Hint("the second column should be the count of open tasks, a number.") from None


@exercise("nb04-open-task-counts", level=2)
def open_task_counts(answer: Any) -> str:
    if not isinstance(answer, str):
        raise Hint("answer_2 should be the SQL, as a string (with :min_open where the minimum goes).")
    with _course_database() as engine:

        def both(min_open: int) -> tuple[list, list]:
            expected = learner_rows_reference(engine, OPEN_TASK_COUNTS_SQL, min_open=min_open)
            got = _as_name_counts(learner_rows(engine, answer, min_open=min_open))
            return expected, got

        expected, got = both(0)
        counts = dict(got)
        unknown = [name for name in counts if name not in PROJECTS]
        if unknown:
            raise Hint(
                f"{unknown[0]!r} is not a project here: the check runs your SQL on its own projects "
                "(not the notebook's), so the answer must be computed from the tables."
            )
        if sorted(got) == sorted(expected) and got != expected:
            raise Hint("the right rows, not in order: most open tasks first, then by name.")
        if counts.get("Empty shelf") == 1:
            raise Hint(
                "a project with no task at all shows 1 open task: count(*) counts the row the LEFT JOIN "
                "made up for it (all NULLs). count(t.id) counts only real tasks."
            )
        if "Empty shelf" not in counts and "All done" not in counts:
            raise Hint(
                "with :min_open = 0 every project should be listed, but the projects without open tasks "
                "are missing: a plain JOIN drops them, and so does a LEFT JOIN whose task condition "
                "sits in WHERE (it throws the made-up rows away again). LEFT JOIN, condition in ON."
            )
        if "All done" not in counts:
            raise Hint(
                "a project whose tasks are all done is missing: WHERE t.status <> 'done' removes all its "
                "rows before grouping. Put the status condition in the LEFT JOIN's ON clause."
            )
        if counts.get("Ops", 0) > dict(expected)["Ops"]:
            raise Hint("done tasks are counted too: only tasks whose status is not 'done' are open.")
        if got != expected:
            raise Hint(f"with :min_open = 0, on the check's own projects, expected {expected}, got {got}.")
        for min_open in (1, 3, 4):
            expected, got = both(min_open)
            if got != expected:
                raise Hint(
                    f"with :min_open = {min_open} you returned {len(got)} projects, not {len(expected)}: "
                    "keep the groups with HAVING count(...) >= :min_open (a bound parameter, not a number)."
                )
    return "LEFT JOIN with the condition in ON, count(t.id), HAVING with a bound minimum."


def learner_rows_reference(engine: Engine, sql: str, **params: Any) -> list[tuple]:
    """The reference query's rows (the check's own SQL: any error in it is the check's)."""
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql), params)]


# --- exercise 3: an upsert that returns the user's id ------------------------------------------


def _user(engine: Engine, email: str) -> tuple | None:
    with engine.connect() as conn:
        row = conn.execute(
            text('SELECT id, username, full_name, is_active, created_at FROM "user" WHERE email = :email'),
            {"email": email},
        ).first()
    return None if row is None else tuple(row)


@exercise("nb04-upsert-user", level=2)
def upsert_user(function: Any) -> str:
    if not callable(function):
        raise Hint("pass the function itself: check('nb04-upsert-user', upsert_user).")
    new_email = "grace@example.com"
    with _course_database() as engine, Session(engine) as session:
        bo_before = _user(engine, "bo@example.com")
        calls = [
            ("bo@example.com", "bolind", "Bo Lindqvist"),  # an existing, inactive user
            (new_email, "grace", "Grace Hopper"),  # a new one
            (new_email, "ghopper", "Grace B. Hopper"),  # the new one again
        ]
        returned = []
        for email, username, full_name in calls:
            with count_queries(engine) as counter:
                try:
                    returned.append(learner(function, session, email, username, full_name))
                except LearnerError as error:
                    if isinstance(error.error, IntegrityError) and "not-null" in str(error.error):
                        raise Hint(
                            "a NOT NULL column got NULL: is_active and created_at have Python defaults "
                            "only, which raw SQL never sees. Name them in the INSERT (or build it with "
                            "postgresql.insert(User), which applies the model's defaults)."
                        ) from None
                    raise
            if counter.count != 1:
                raise Hint(
                    f"{counter.count} statements for one call: do it in one, INSERT ... ON CONFLICT "
                    "(email) DO UPDATE ... RETURNING id."
                )
            if not session.in_transaction():
                raise Hint("your function committed: leave committing to the caller.")
        with engine.connect() as other:  # what another connection sees: nothing committed
            if other.execute(text('SELECT count(*) FROM "user" WHERE email = :e'), {"e": new_email}).scalar():
                raise Hint("your function committed: leave committing to the caller.")
        bo_after = _upserted(session, "bo@example.com")
        grace = _upserted(session, new_email)
        total = session.execute(text('SELECT count(*) FROM "user"')).scalar_one()
        session.rollback()
    if bo_after[1:3] == bo_before[1:3]:
        raise Hint(
            "an existing email should update username and full_name: ON CONFLICT (email) DO UPDATE "
            "SET ... = EXCLUDED.... (DO NOTHING leaves the row as it was.)"
        )
    if bo_after[3] != bo_before[3] or bo_after[4] != bo_before[4]:
        raise Hint(
            "the existing user's is_active or created_at changed: an upsert of a profile should update "
            "only username and full_name (an inactive user stays inactive)."
        )
    if grace is None or total != len(USERS) + 1 or grace[1:3] != ("ghopper", "Grace B. Hopper"):
        raise Hint("a new email should be inserted once, and a second call should update that same row.")
    if not grace[3]:
        raise Hint("a new user should be active (is_active true).")
    if any(value is None for value in returned):
        raise Hint(
            "the function should return the user's id, for an insert and for an update alike: "
            "RETURNING id (with DO NOTHING, a conflict returns no row)."
        )
    if returned != [bo_before[0], grace[0], grace[0]]:
        raise Hint(f"returned {returned}: expected the id of the user inserted or updated by each call.")
    return "one statement per call, the id returned, and only the profile columns updated."


def _upserted(session: Session, email: str) -> tuple | None:
    row = session.execute(
        text('SELECT id, username, full_name, is_active, created_at FROM "user" WHERE email = :email'),
        {"email": email},
    ).first()
    return None if row is None else tuple(row)


# --- exercise 4: a monthly report in UTC, every month, with a running total ------------------

MONTHLY_DONE_SQL = """
WITH done AS (
    SELECT date_trunc('month', completed_at AT TIME ZONE 'UTC') AS month
    FROM task WHERE completed_at IS NOT NULL
),
months AS (
    SELECT generate_series(min(month), max(month), interval '1 month') AS month FROM done
)
SELECT to_char(m.month, 'YYYY-MM') AS month,
       count(d.month) AS done,
       sum(count(d.month)) OVER (ORDER BY m.month) AS done_so_far
FROM months m LEFT JOIN done d ON d.month = m.month
GROUP BY m.month
ORDER BY m.month
"""
# Session time zones the report must not depend on: east of UTC, and west of it.
OTHER_ZONES = ["Pacific/Auckland", "America/Los_Angeles"]


def _month_rows(found: list[tuple]) -> list[tuple[str, int, int]]:
    if any(len(row) != 3 for row in found):
        raise Hint("each row should have three columns: the month ('YYYY-MM'), done that month, done so far.")
    rows = []
    for month, done, so_far in found:
        if month is None:
            raise Hint("a row without a month: tasks not completed (completed_at IS NULL) are not counted.")
        if isinstance(month, datetime | date):
            month = month.strftime("%Y-%m")
        if not isinstance(month, str):
            raise Hint("the first column should be the month as text, e.g. to_char(month, 'YYYY-MM').")
        try:
            rows.append((month, int(done), int(so_far)))
        except (TypeError, ValueError):
            raise Hint("the second and third columns should be numbers (counts).") from None
    return rows


def _report(engine: Engine, sql: str, zone: str, *, learner_sql: bool) -> list[tuple]:
    with engine.connect() as conn:
        conn.execute(text("SELECT set_config('TimeZone', :zone, true)"), {"zone": zone})  # this transaction
        if learner_sql:
            return _month_rows(learner_rows(conn, sql))
        return [tuple(row) for row in conn.execute(text(sql))]


@exercise("nb04-monthly-done", level=3)
def monthly_done(answer: Any) -> str:
    if not isinstance(answer, str):
        raise Hint("answer_4 should be the SQL, as a string.")
    with _course_database() as engine:
        expected = _month_rows(_report(engine, MONTHLY_DONE_SQL, "UTC", learner_sql=False))
        got = _report(engine, answer, "UTC", learner_sql=True)
        months = [row[0] for row in got]
        if sorted(got) == sorted(expected) and got != expected:
            raise Hint("the right rows, not in order: ORDER BY the month.")
        if set(months) < {row[0] for row in expected}:
            raise Hint(
                "a month without any completed task is missing: the report lists every month from the "
                "first to the last. Generate the months (generate_series, or WITH RECURSIVE) and LEFT "
                "JOIN the counts to them."
            )
        zero_months = {row[0] for row in expected if row[1] == 0}
        if any(row[0] in zero_months and row[1] == 1 for row in got):
            raise Hint(
                "a month without completions shows 1: count(*) counts the row the LEFT JOIN made up; "
                "count a column of the joined side instead."
            )
        if [row[:2] for row in got] == [row[:2] for row in expected] and got != expected:
            raise Hint("the third column is a running total: sum(...) OVER (ORDER BY month).")
        if got != expected:
            first = next(n for n in range(len(expected)) if n >= len(got) or got[n] != expected[n])
            raise Hint(
                f"on the check's own tasks (not the notebook's), row {first + 1} should be "
                f"{expected[first]}, not {got[first] if first < len(got) else 'missing'}."
            )
        for zone in OTHER_ZONES:
            if _report(engine, answer, zone, learner_sql=True) != expected:
                raise Hint(
                    f"right in a UTC session, but in a session whose TimeZone is {zone} your months "
                    "change: date_trunc and to_char on a timestamptz work in the session's time zone. "
                    "Convert first: completed_at AT TIME ZONE 'UTC'."
                )
        with engine.connect() as conn:  # rolled back when the block ends
            conn.execute(text("UPDATE task SET completed_at = NULL"))
            if learner_rows(conn, answer):
                raise Hint("with no completed task at all, the report should have no rows.")
    return "every month in UTC whatever the session's zone, empty months at 0, a running total."
