"""Checks for notebooks/03_relationships.ipynb.

Each check receives the learner's answer and the notebook's engine, and compares
with what the database holds now (raw SQL, independent of the learner's models).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from course_lib.exercises import Hint, as_pairs, exercise, rows

TAGGED_TASK = "Rename user_id column to account_id"
MEMBER_PROJECT = "Search relaunch"
MAX_BOARD_STATEMENTS = 3


@exercise("nb03-tags-of-task")
def tags_of_task(answer: Any, engine: Engine) -> str:
    expected = [
        name
        for (name,) in rows(
            engine,
            """SELECT tag.name FROM tag
               JOIN tasktaglink link ON link.tag_id = tag.id
               JOIN task ON task.id = link.task_id
               WHERE task.title = :title ORDER BY tag.name""",
            title=TAGGED_TASK,
        )
    ]
    if not isinstance(answer, list):
        raise Hint(f"answer_1 should be a list of tag names (str), not {type(answer).__name__}.")
    if answer and not all(isinstance(name, str) for name in answer):
        raise Hint("put the tag *names* in the list (tag.name), not Tag objects.")
    if sorted(answer) == expected and answer != expected:
        raise Hint("the right names, but not sorted: wrap them in sorted(...).")
    if answer != expected:
        raise Hint(f"expected {len(expected)} names; look at task.tags of {TAGGED_TASK!r}.")
    return f"{len(expected)} tags, read through the link table."


@exercise("nb03-open-tasks-per-project")
def open_tasks_per_project(answer: Any, engine: Engine) -> str:
    expected = dict(
        rows(
            engine,
            """SELECT project.name, count(task.id) FILTER (WHERE task.status <> 'done')
               FROM project LEFT JOIN task ON task.project_id = project.id
               GROUP BY project.name""",
        )
    )
    if not isinstance(answer, dict):
        raise Hint(f"answer_2 should be a dict {{project name: count}}, not {type(answer).__name__}.")
    missing = sorted(set(expected) - set(answer))
    if missing:
        raise Hint(f"some projects are missing, e.g. {missing[0]!r}: include every project.")
    extra = sorted(set(answer) - set(expected))
    if extra:
        raise Hint(f"{extra[0]!r} is not a project in the database (deleted ones do not count).")
    wrong = sorted(name for name in expected if answer[name] != expected[name])
    if wrong:
        name = wrong[0]
        raise Hint(f"{name!r}: you have {answer[name]!r}; count tasks whose status is not 'done'.")
    return f"{sum(expected.values())} open tasks across {len(expected)} projects."


@exercise("nb03-no-n-plus-one")
def no_n_plus_one(load_board: Callable[[Session], Any], engine: Engine) -> str:
    if not callable(load_board):
        raise Hint("pass the function itself: check('nb03-no-n-plus-one', load_board, engine).")
    expected_links = rows(engine, "SELECT count(*) FROM tasktaglink")[0][0]
    expected_ids = [pid for (pid,) in rows(engine, "SELECT id FROM project ORDER BY id")]
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with Session(engine) as session:
            projects = load_board(session)
            if projects is None:
                raise Hint("load_board returned None: return the list of projects.")
            projects = list(projects)
            links = sum(len(task.tags) for project in projects for task in project.tasks)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    if [project.id for project in projects] != expected_ids:
        raise Hint("return every project, ordered by id.")
    if links != expected_links:
        raise Hint(f"found {links} task-tag links, the database has {expected_links}.")
    if len(statements) > MAX_BOARD_STATEMENTS:
        raise Hint(
            f"{len(statements)} statements: lazy loads are still happening. Chain "
            "selectinload(Project.tasks).selectinload(Task.tags) in .options(...)."
        )
    return f"{len(statements)} statements for {len(projects)} projects and {links} tag links."


@exercise("nb03-members-by-role")
def members_by_role(answer: Any, engine: Engine) -> str:
    expected = rows(
        engine,
        """SELECT "user".username, projectmember.role FROM projectmember
           JOIN "user" ON "user".id = projectmember.user_id
           JOIN project ON project.id = projectmember.project_id
           WHERE project.name = :name ORDER BY "user".username""",
        name=MEMBER_PROJECT,
    )
    answer = as_pairs(answer, "answer_4", "(username, role)")
    if sorted(answer) == expected and answer != expected:
        raise Hint("the right pairs, but sort them by username.")
    if answer != expected:
        raise Hint(f"expected {len(expected)} members of {MEMBER_PROJECT!r}; join User and ProjectMember.")
    return f"{len(expected)} members, each with the role stored on the link row."
