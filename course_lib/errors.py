"""The one exception the course raises for set-up problems, and how errors are named to a learner."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError


class CourseSetupError(RuntimeError):
    """Something about the course's database set-up is wrong.

    The message always names the setting involved and what to do about it,
    and never contains a password.
    """


def describe_error(error: BaseException) -> str:
    """``Type: message`` of an exception; for a database error, the server's own (e.g. UndefinedTable)."""
    if isinstance(error, DBAPIError) and error.orig is not None:
        error = error.orig
    message = str(error).strip()
    return f"{type(error).__name__}: {message}" if message else type(error).__name__
