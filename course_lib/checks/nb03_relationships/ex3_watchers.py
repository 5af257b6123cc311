"""Exercise 3: a link model whose rows the database cleans up (``nb03-watchers``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Integer, MetaData, Table, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, NoReferencedTableError

from course_lib.checks.nb03_relationships.common import _sql
from course_lib.exercises import Hint, check_database, exercise


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
