"""Exercise 1: titles of the tasks of some projects, names bound (``nb04-tasks-in-projects``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, bindparam, event, text
from sqlmodel import Session

from course_lib.checks.nb04_raw_sql.common import _course_database
from course_lib.exercises import (
    Hint,
    LearnerError,
    describe_error,
    exercise,
    learner,
)

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
        sent: list[str] = []

        def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            sent.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        try:
            got = _titles(function, session, plain)
        except LearnerError as error:
            if "syntax error at or near" in str(error.error) and "$" in str(error.error):
                raise Hint(
                    "the list reached PostgreSQL as one value where the SQL expects a list: IN :names "
                    "needs an expanding bound parameter (or write = ANY(:names))."
                ) from None
            raise
        finally:
            event.remove(engine, "before_cursor_execute", record)
        if any("'Zebra'" in statement for statement in sent):
            raise Hint(
                "the names are written into the SQL text ('Zebra' appears in the statement sent): even "
                "escaped by hand, that is string building. Send them as a bound parameter instead."
            )
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
