"""Exercise 1: the tasks of some projects, names bound (``nb04-tasks-in-projects``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, bindparam, event, text
from sqlalchemy.engine import Row
from sqlmodel import Session

from course_lib.checks.nb04_raw_sql.common import _course_database
from course_lib.exercises import (
    Hint,
    LearnerError,
    describe_error,
    exercise,
    learner,
)

TASKS_IN_PROJECTS_SQL = text(
    "SELECT t.id, t.title FROM task t JOIN project p ON p.id = t.project_id "
    "WHERE p.name IN :names ORDER BY t.title, t.id"
).bindparams(bindparam("names", expanding=True, type_=String))


def _tasks(function: Any, session: Session, names: list[str]) -> list[tuple[Any, ...]]:
    got = learner(function, session, names)
    session.rollback()
    if got is None:
        raise Hint("the function returned None: return the list of (id, title) tuples.")
    got = [tuple(row) if isinstance(row, Row | tuple | list) else row for row in got]
    if any(isinstance(row, str) for row in got):
        raise Hint("return (id, title) tuples, not the titles alone: a task's id says which task it is.")
    if not all(isinstance(row, tuple) and len(row) == 2 for row in got):
        raise Hint("each item should be a (id, title) tuple: two columns per task.")
    if all(isinstance(title, int) and isinstance(task_id, str) for task_id, title in got) and got:
        raise Hint("(title, id) the other way round: each tuple is (id, title).")
    return got


@exercise("nb04-tasks-in-projects", level=1)
def tasks_in_projects(function: Any) -> str:
    if not callable(function):
        raise Hint("pass the function itself: check('nb04-tasks-in-projects', tasks_in_projects).")
    with _course_database() as engine, Session(engine) as session:

        def expected(names: list[str]) -> list[tuple[Any, ...]]:
            if not names:
                return []
            with engine.connect() as conn:
                return [tuple(row) for row in conn.execute(TASKS_IN_PROJECTS_SQL, {"names": names})]

        sent: list[str] = []

        def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            sent.append(statement)

        quoted = ["O'Brien's garden", "Ünïcode launch"]
        event.listen(engine, "before_cursor_execute", record)
        try:
            got = _tasks(function, session, quoted)
        except LearnerError as error:
            message = str(error.error)
            if "syntax error at or near" in message and "$" in message:
                raise Hint(
                    "the list reached PostgreSQL as one value ($1) where IN expects a list of values: "
                    "a bound parameter stands for one value unless it is told to expand (section 2)."
                ) from None
            if "syntax error at or near" in message:
                raise Hint(
                    f"the project name {quoted[0]!r} broke your query ({type(error.error).__name__}): a "
                    "quote in a name pasted into SQL ends the string. Keep the names out of the SQL text."
                ) from None
            raise
        finally:
            event.remove(engine, "before_cursor_execute", record)
        if any("Brien" in statement or "launch" in statement for statement in sent):
            raise Hint(
                "the names are written into the SQL text ('launch' appears in the statement sent): even "
                "escaped by hand, that is string building. Send them apart from the SQL."
            )
        if got != expected(quoted):
            if sorted(got) == sorted(expected(quoted)):
                raise Hint("the right tasks, not in order: sorted by title, then by id.")
            raise Hint(
                f"for {quoted} the tasks differ: does a name with a quote or an accent reach SQL intact?"
            )
        plain = ["Ops", "Zebra"]  # some titles are in both projects: ties
        got = _tasks(function, session, plain)
        want = expected(plain)
        if got != want and [title for _, title in got] == [title for _, title in want]:
            raise Hint(
                "the titles are in order, but tasks with the same title (the check's projects share "
                "some) come in whatever order PostgreSQL met them: what should decide between them?"
            )
        if sorted(got) == sorted(want) and got != want:
            raise Hint("the right tasks, not in order: sorted by title, then by id.")
        if got != want:
            raise Hint(
                f"for the projects {plain} (the check's own data) your function returned {len(got)} "
                f"tasks; those projects have {len(want)}."
            )
        hostile = ["nobody') OR ('1' = '1", "x' OR 'a' = 'a"]
        try:
            leaked = _tasks(function, session, hostile)
        except LearnerError:
            leaked = ["(an error)"]
        if leaked:
            raise Hint(
                f"the names {hostile} are no project's, yet your query returned {leaked[:2]}...: the "
                "input rewrote your SQL. Input must travel as a value, never as SQL text."
            )
        try:
            empty = _tasks(function, session, [])
        except LearnerError as error:
            if "character varying = integer" in str(error.error):
                raise Hint(
                    "an empty list of names made your query raise (varchar = integer): for an empty list "
                    "SQLAlchemy writes an empty IN of the parameter's type, and an expanding parameter "
                    "not told its type is INTEGER. Tell it what it holds."
                ) from None
            raise Hint(
                f"an empty list of names made your code raise ({describe_error(error.error)}): it should "
                "give []. Let the bound parameter handle the list, whatever its length."
            ) from None
        if empty:
            raise Hint("an empty list of names should give no tasks.")
    return "bound names: quotes, accents, hostile input, ties and an empty list all behave."
