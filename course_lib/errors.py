"""The one exception the course raises for set-up problems."""

from __future__ import annotations


class CourseSetupError(RuntimeError):
    """Something about the course's database set-up is wrong.

    The message always names the setting involved and what to do about it,
    and never contains a password.
    """
