"""The check of ``nb02-async-count``."""

from __future__ import annotations

import asyncio
import inspect
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from course_lib.checks.nb02_crud.common import _course_database, _scalars
from course_lib.exercises import Hint, LearnerError, exercise

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
