"""One process at a time: an exclusive lock on a file or folder, held across processes.

The embedded server takes every decision about a data directory under a lock on the
directory itself; progress updates take one on ``<file>.lock`` beside the progress file.
Both are ``flock``: released when the holder closes it or exits, so a crashed holder never
leaves a stale lock behind. Where ``fcntl`` does not exist (Windows), no lock is taken.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (a folder, or a file created if missing) for the block."""
    try:
        import fcntl
    except ImportError:  # Windows
        yield
        return
    fd = os.open(path, os.O_RDONLY if path.is_dir() else os.O_RDONLY | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock
