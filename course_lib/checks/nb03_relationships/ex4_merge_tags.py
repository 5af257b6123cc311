"""Exercise 4: merging two tags (``nb03-merge-tags``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from course_lib.checks.nb03_relationships.common import _fill, _function, _sql
from course_lib.exercises import Hint, LearnerError, check_database, exercise, learner


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
