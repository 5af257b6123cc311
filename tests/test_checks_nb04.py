"""The exercise checks of notebooks/04_raw_sql.ipynb: the reference passes, each wrong answer gets its hint.

The checks build scratch databases of their own (the notebook's tables, other rows), so these
tests need only the course's server. Hints are asserted by their text: a check that crashes in a
hint path fails here (tests/conftest.py makes checks strict).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from helpers import assert_hint, assert_learner_error, assert_not_answered, assert_passes
from sqlalchemy import Boolean, Column, DateTime, Integer, MetaData, String, Table, bindparam, select, text
from sqlalchemy.dialects.postgresql import insert


@pytest.fixture(autouse=True)
def _server(embedded):
    """Every check here creates a scratch database on the course's embedded server."""


# --- nb04-tasks-in-projects -------------------------------------------------------------------

BY_NAMES = text(
    "SELECT t.id, t.title FROM task t JOIN project p ON p.id = t.project_id "
    "WHERE p.name IN :names ORDER BY t.title, t.id"
).bindparams(bindparam("names", expanding=True, type_=String))


def tasks_in_projects(session, names):
    return [tuple(row) for row in session.execute(BY_NAMES, {"names": names})]


def by_names_sql(where, order="ORDER BY t.title, t.id"):
    return f"SELECT t.id, t.title FROM task t JOIN project p ON p.id = t.project_id WHERE {where} {order}"


def test_tasks_in_projects_reference_passes():
    assert_passes("nb04-tasks-in-projects", tasks_in_projects)

    def with_any(session, names):  # = ANY(array) is right too, and Row objects are tuples
        query = text(by_names_sql("p.name = ANY(:names)"))
        return session.execute(query, {"names": list(names)}).all()

    assert_passes("nb04-tasks-in-projects", with_any)


def test_tasks_in_projects_untyped_expanding_parameter_fails_on_an_empty_list():
    untyped = text(by_names_sql("p.name IN :names")).bindparams(bindparam("names", expanding=True))

    def tasks(session, names):
        return session.execute(untyped, {"names": names}).all()

    assert_hint("nb04-tasks-in-projects", tasks, contains="not told its type is INTEGER")

    def raising_on_empty(session, names):
        if not names:
            raise ValueError("no names")
        return tasks_in_projects(session, names)

    assert_hint("nb04-tasks-in-projects", raising_on_empty, contains="it should give []")


def test_tasks_in_projects_hard_coded_fails():
    notebook_output = [(12, "Add tests for CSV import"), (7, "Harden the Terraform modules")]
    assert_hint("nb04-tasks-in-projects", lambda session, names: notebook_output, contains="reach SQL intact")


def test_tasks_in_projects_pasted_names_get_the_binding_hints():
    def pasted(session, names):  # the classic: a quote in a name ends the SQL string
        listed = ", ".join(f"'{name}'" for name in names)
        return session.execute(text(by_names_sql(f"p.name IN ({listed})"))).all()

    assert_hint("nb04-tasks-in-projects", pasted, contains="a quote in a name pasted into SQL ends")

    # Quotes escaped by hand: every name gets through, and it is still string building.
    def doubled_quotes(session, names):
        listed = ", ".join("'" + name.replace("'", "''") + "'" for name in names) or "NULL"
        return session.execute(text(by_names_sql(f"p.name IN ({listed})"))).all()

    assert_hint("nb04-tasks-in-projects", doubled_quotes, contains="even escaped by hand")

    def list_not_expanded(session, names):  # a list bound as one value: IN $1
        return session.execute(text(by_names_sql("p.name IN :names")), {"names": names}).all()

    assert_hint("nb04-tasks-in-projects", list_not_expanded, contains="where IN expects a list of values")

    def hostile_leaks(session, names):  # survives the quotes test, but lets the hostile input in
        if any("OR" in name for name in names):
            return [(1, "Rotate keys")]
        return tasks_in_projects(session, names)

    assert_hint("nb04-tasks-in-projects", hostile_leaks, contains="the input rewrote your SQL")

    def empty_gives_all(session, names):
        return tasks_in_projects(session, names) if names else [(1, "Rotate keys")]

    assert_hint(
        "nb04-tasks-in-projects", empty_gives_all, contains="an empty list of names should give no tasks"
    )


def test_tasks_in_projects_ties_need_the_id_in_order_by():
    by_title_only = text(by_names_sql("p.name IN :names", "ORDER BY t.title")).bindparams(
        bindparam("names", expanding=True, type_=String)
    )

    def ordered_by_title_only(session, names):
        return session.execute(by_title_only, {"names": names}).all()

    assert_hint(
        "nb04-tasks-in-projects", ordered_by_title_only, contains="tasks with the same title (the check's"
    )


def test_tasks_in_projects_shape_and_order_hints():
    assert_hint("nb04-tasks-in-projects", lambda session, names: None, contains="returned None")

    def titles_only(session, names):
        return [title for _, title in tasks_in_projects(session, names)]

    assert_hint("nb04-tasks-in-projects", titles_only, contains="not the titles alone")

    def three_columns(session, names):
        return [(*row, "x") for row in tasks_in_projects(session, names)]

    assert_hint("nb04-tasks-in-projects", three_columns, contains="two columns per task")

    def swapped(session, names):
        return [(title, task_id) for task_id, title in tasks_in_projects(session, names)]

    assert_hint("nb04-tasks-in-projects", swapped, contains="the other way round")

    def unsorted(session, names):
        return list(reversed(tasks_in_projects(session, names)))

    assert_hint("nb04-tasks-in-projects", unsorted, contains="not in order: sorted by title, then by id")

    def unsorted_when_plain(session, names):  # right on the quoted names, reversed on the others
        rows = tasks_in_projects(session, names)
        return rows if "Ops" not in names else list(reversed(rows))

    assert_hint("nb04-tasks-in-projects", unsorted_when_plain, contains="not in order: sorted by title")

    def one_project_short(session, names):
        return tasks_in_projects(session, names)[1:] if "Ops" in names else tasks_in_projects(session, names)

    assert_hint("nb04-tasks-in-projects", one_project_short, contains="(the check's own data)")

    def accents_lost(session, names):
        names = [name.encode("ascii", "ignore").decode() for name in names]
        return tasks_in_projects(session, names)

    assert_hint("nb04-tasks-in-projects", accents_lost, contains="reach SQL intact")
    assert_hint("nb04-tasks-in-projects", "tasks_in_projects", contains="pass the function itself")
    assert_not_answered("nb04-tasks-in-projects", ...)


def test_tasks_in_projects_learner_error_is_reported_as_such():
    def broken(session, names):
        return session.execute(text("SELECT title FROM tasks")).scalars().all()

    assert_learner_error("nb04-tasks-in-projects", broken, contains="UndefinedTable")


# --- nb04-open-task-counts --------------------------------------------------------------------

OPEN_TASK_COUNTS = """
SELECT p.name, count(t.id) AS open_tasks
FROM project p LEFT JOIN task t ON t.project_id = p.id AND t.status <> 'done'
GROUP BY p.name
HAVING count(t.id) >= :min_open
ORDER BY open_tasks DESC, p.name
"""


def test_open_task_counts_reference_passes():
    assert_passes("nb04-open-task-counts", OPEN_TASK_COUNTS)
    filtered_subquery = """
        SELECT p.name, coalesce(o.n, 0) AS open_tasks
        FROM project p
        LEFT JOIN (SELECT project_id, count(*) AS n FROM task WHERE status <> 'done' GROUP BY project_id) o
               ON o.project_id = p.id
        WHERE coalesce(o.n, 0) >= :min_open
        ORDER BY open_tasks DESC, p.name
    """
    assert_passes("nb04-open-task-counts", filtered_subquery)


def test_open_task_counts_hard_coded_fails():
    copied = "SELECT * FROM (VALUES ('Security audit', 12), ('Customer onboarding', 11)) AS t(name, n)"
    assert_hint("nb04-open-task-counts", copied, contains="runs your SQL on its own projects")


@pytest.mark.parametrize(
    ("sql", "hint"),
    [
        (
            OPEN_TASK_COUNTS.replace("count(t.id)", "count(*)"),
            "count(*) counts the row the LEFT JOIN made up",
        ),
        (
            OPEN_TASK_COUNTS.replace("LEFT JOIN", "JOIN"),
            "a plain JOIN drops them, and a condition on the tasks in WHERE",
        ),
        (
            OPEN_TASK_COUNTS.replace(" AND t.status <> 'done'", "").replace(
                "GROUP BY", "WHERE t.status <> 'done' GROUP BY"
            ),
            "a plain JOIN drops them, and a condition on the tasks in WHERE",
        ),
        (
            OPEN_TASK_COUNTS.replace(" AND t.status <> 'done'", "").replace(
                "GROUP BY", "WHERE t.status <> 'done' OR t.id IS NULL GROUP BY"
            ),
            "a project whose tasks are all done is missing",
        ),
        (OPEN_TASK_COUNTS.replace(" AND t.status <> 'done'", ""), "done tasks are counted too"),
        (OPEN_TASK_COUNTS.replace("open_tasks DESC, p.name", "p.name"), "most open tasks first"),
        (OPEN_TASK_COUNTS.replace(":min_open", "0"), "from the bound :min_open, not a number"),
        (
            OPEN_TASK_COUNTS.replace("HAVING count(t.id) >= :min_open", ""),
            "filters the groups after counting",
        ),
        ("SELECT name FROM project WHERE id > :min_open ORDER BY name", "two columns"),
        ("SELECT name, name FROM project WHERE id > :min_open", "a number"),
    ],
)
def test_open_task_counts_wrong_answers_get_their_hint(sql, hint):
    assert_hint("nb04-open-task-counts", sql, contains=hint)


def test_open_task_counts_not_sql():
    assert_hint("nb04-open-task-counts", [("Ops", 3)], contains="the SQL, as a string")
    assert_learner_error("nb04-open-task-counts", "SELECT * FROM projects", contains="UndefinedTable")
    assert_not_answered("nb04-open-task-counts", ...)


# --- nb04-upsert-user -------------------------------------------------------------------------

users = Table(
    "user",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("email", String, unique=True, nullable=False),
    Column("username", String, unique=True, nullable=False),
    Column("full_name", String, nullable=False),
    Column("is_active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False, default=lambda: datetime.now(UTC)),
)


def upsert(session, email, username, full_name):
    stmt = insert(users).values(email=email, username=username, full_name=full_name)
    stmt = stmt.on_conflict_do_update(
        index_elements=[users.c.email],
        set_={"username": stmt.excluded.username, "full_name": stmt.excluded.full_name},
    )
    return session.execute(stmt.returning(users.c.id)).scalar_one()


RAW_UPSERT = """
    INSERT INTO "user" (email, username, full_name, is_active, created_at)
    VALUES (:email, :username, :full_name, true, now())
    ON CONFLICT (email) DO UPDATE SET username = EXCLUDED.username, full_name = EXCLUDED.full_name
    RETURNING id
"""


def raw_upsert(session, email, username, full_name, sql=RAW_UPSERT):
    params = {"email": email, "username": username, "full_name": full_name}
    return session.execute(text(sql), params).scalar()


def test_upsert_user_reference_passes():
    assert_passes("nb04-upsert-user", upsert)
    assert_passes("nb04-upsert-user", raw_upsert)


def test_upsert_user_wrong_answers_get_their_hint():
    def python_defaults_forgotten(session, email, username, full_name):
        sql = RAW_UPSERT.replace(", is_active, created_at", "").replace(", true, now()", "")
        return raw_upsert(session, email, username, full_name, sql)

    assert_hint("nb04-upsert-user", python_defaults_forgotten, contains="Python defaults only")

    def select_then_write(session, email, username, full_name):
        found = session.execute(select(users.c.id).where(users.c.email == email)).scalar()
        if found is None:
            return session.execute(
                users.insert()
                .values(email=email, username=username, full_name=full_name)
                .returning(users.c.id)
            ).scalar_one()
        session.execute(
            users.update().where(users.c.id == found).values(username=username, full_name=full_name)
        )
        return found

    assert_hint("nb04-upsert-user", select_then_write, contains="2 statements for one call")

    def do_nothing(session, email, username, full_name):
        sql = RAW_UPSERT.replace(
            "DO UPDATE SET username = EXCLUDED.username, full_name = EXCLUDED.full_name", "DO NOTHING"
        )
        return raw_upsert(session, email, username, full_name, sql)

    assert_hint("nb04-upsert-user", do_nothing, contains="DO NOTHING leaves the row as it was")

    def reactivates(session, email, username, full_name):
        sql = RAW_UPSERT.replace(
            "full_name = EXCLUDED.full_name", "full_name = EXCLUDED.full_name, is_active = true"
        )
        return raw_upsert(session, email, username, full_name, sql)

    assert_hint("nb04-upsert-user", reactivates, contains="an inactive user stays inactive")

    def new_users_inactive(session, email, username, full_name):
        return raw_upsert(
            session, email, username, full_name, RAW_UPSERT.replace("true, now()", "false, now()")
        )

    assert_hint("nb04-upsert-user", new_users_inactive, contains="a new user should be active")

    def returns_nothing(session, email, username, full_name):
        raw_upsert(session, email, username, full_name)

    assert_hint("nb04-upsert-user", returns_nothing, contains="should return the user's id")

    def returns_a_constant(session, email, username, full_name):
        raw_upsert(session, email, username, full_name)
        return 41

    assert_hint("nb04-upsert-user", returns_a_constant, contains="expected the id of the user")

    def committing(session, email, username, full_name):
        user_id = upsert(session, email, username, full_name)
        session.commit()
        return user_id

    assert_hint("nb04-upsert-user", committing, contains="your function committed")


def test_upsert_user_not_a_function():
    assert_hint("nb04-upsert-user", None, contains="pass the function itself")
    assert_not_answered("nb04-upsert-user", ...)

    def typo(session, email, username, full_name):
        return session.execute(text('INSERT INTO "users" (email) VALUES (:e)'), {"e": email})

    assert_learner_error("nb04-upsert-user", typo, contains="UndefinedTable")


# --- nb04-monthly-done ------------------------------------------------------------------------

MONTHLY_DONE = """
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


def test_monthly_done_reference_passes():
    assert_passes("nb04-monthly-done", MONTHLY_DONE)
    recursive = """
        WITH RECURSIVE bounds AS (
            SELECT date_trunc('month', min(completed_at AT TIME ZONE 'UTC')) AS first_month,
                   date_trunc('month', max(completed_at AT TIME ZONE 'UTC')) AS last_month
            FROM task
        ), months AS (
            SELECT first_month AS month FROM bounds WHERE first_month IS NOT NULL
            UNION ALL
            SELECT month + interval '1 month' FROM months, bounds WHERE month < last_month
        )
        SELECT to_char(m.month, 'YYYY-MM'), count(t.id), sum(count(t.id)) OVER (ORDER BY m.month)
        FROM months m
        LEFT JOIN task t ON date_trunc('month', t.completed_at AT TIME ZONE 'UTC') = m.month
        GROUP BY m.month ORDER BY m.month
    """
    assert_passes("nb04-monthly-done", recursive)


def test_monthly_done_hard_coded_fails():
    notebook_output = """
        SELECT * FROM (VALUES ('2025-10', 3, 3), ('2025-11', 6, 9), ('2025-12', 6, 15), ('2026-01', 16, 31),
                              ('2026-02', 18, 49), ('2026-03', 64, 113)) AS t(month, done, done_so_far)
    """
    assert_hint(
        "nb04-monthly-done", notebook_output, contains="on the check's own tasks (not the notebook's)"
    )


NOTEBOOK_STYLE = """
SELECT to_char(date_trunc('month', completed_at AT TIME ZONE 'UTC'), 'YYYY-MM') AS month,
       count(*) AS done,
       sum(count(*)) OVER (ORDER BY date_trunc('month', completed_at AT TIME ZONE 'UTC')) AS done_so_far
FROM task
WHERE completed_at IS NOT NULL
GROUP BY date_trunc('month', completed_at AT TIME ZONE 'UTC')
ORDER BY month
"""


@pytest.mark.parametrize(
    ("sql", "hint"),
    [
        (NOTEBOOK_STYLE, "a month without any completed task is missing"),
        (NOTEBOOK_STYLE.replace("WHERE completed_at IS NOT NULL", ""), "a row without a month"),
        (MONTHLY_DONE.replace("count(d.month)", "count(*)"), "count(*) counts the row the LEFT JOIN made up"),
        (MONTHLY_DONE.replace(" OVER (ORDER BY m.month)", " OVER ()"), "the third column is a running total"),
        (
            MONTHLY_DONE.replace("ORDER BY m.month\n", "ORDER BY m.month DESC\n"),
            "not in order: ORDER BY the month",
        ),
        (MONTHLY_DONE.replace(" AT TIME ZONE 'UTC'", ""), "in a session whose TimeZone is Pacific/Auckland"),
        (
            """SELECT to_char(m, 'YYYY-MM'), 0, 0
               FROM generate_series(timestamp '2025-11-01', timestamp '2026-03-01', '1 month') AS m""",
            "on the check's own tasks",
        ),
        ("SELECT to_char(now(), 'YYYY-MM'), 1", "three columns"),
        ("SELECT 202511, 1, 1", "the month as text"),
        (MONTHLY_DONE.replace("to_char(m.month, 'YYYY-MM')", "m.month::date"), "the first column is a date"),
        (MONTHLY_DONE.replace("to_char(m.month, 'YYYY-MM')", "m.month"), "the first column is a datetime"),
        (MONTHLY_DONE.replace("to_char(m.month, 'YYYY-MM')", "m.month::date::text"), "should read 'YYYY-MM'"),
        ("SELECT '2025-11', 'one', 1", "numbers (counts)"),
    ],
)
def test_monthly_done_wrong_answers_get_their_hint(sql, hint):
    assert_hint("nb04-monthly-done", sql, contains=hint)


def test_monthly_done_empty_table_gives_no_rows():
    fixed_months = MONTHLY_DONE.replace(
        "SELECT generate_series(min(month), max(month), interval '1 month') AS month FROM done",
        "SELECT generate_series(timestamp '2025-11-01', timestamp '2026-03-01', interval '1 month') AS month",
    )
    assert_hint("nb04-monthly-done", fixed_months, contains="with no completed task at all")


def test_monthly_done_not_sql():
    assert_hint("nb04-monthly-done", [("2025-11", 1, 1)], contains="the SQL, as a string")
    assert_learner_error("nb04-monthly-done", "SELECT month FROM tasks", contains="UndefinedTable")
    assert_not_answered("nb04-monthly-done", ...)
