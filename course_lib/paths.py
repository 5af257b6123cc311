"""Where the checkout is: the one place that knows the course's folder layout."""

from __future__ import annotations

from pathlib import Path


def checkout_root() -> Path:
    """The folder that holds course_lib/, notebooks/ and data/."""
    return Path(__file__).resolve().parent.parent
