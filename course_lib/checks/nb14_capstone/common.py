"""What notebook 14's checks share: the package imported afresh, the rooms database, the app."""

from __future__ import annotations

import importlib
import logging
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from types import ModuleType
from typing import Any

from alembic.migration import MigrationContext
from alembic.operations import Operations
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, StatementError
from sqlmodel import Session

from course_lib.exercises import Hint, LearnerError, answering, check_database, learner, rows

# Revision 0001, as the notebook's spec gives it: the rooms that were there before bookings.
ROOM_TABLE = (
    "CREATE TABLE room (id SERIAL PRIMARY KEY, name VARCHAR NOT NULL UNIQUE, time_zone VARCHAR NOT NULL)"
)
# (name, time_zone), inserted in this order: ids 1-4. Room 4 never has a booking.
ROOMS = [
    ("Aula", "Europe/Berlin"),
    ("Bibliothèque", "America/New_York"),
    ("会議室", "Asia/Tokyo"),
    ("Empty room", "UTC"),
]
REFERENCE = "course_lib.checks.nb14_capstone.reference"  # what check_solution() passes, never check()
BOOKING_FIELDS = {"id", "room_id", "title", "start_at", "end_at"}
ROOM_FIELDS = {"id", "name", "time_zone", "next_booking"}


def sqlstate(error: BaseException) -> str | None:
    """The SQLSTATE of a database error (also one wrapped in a LearnerError), else None."""
    if isinstance(error, LearnerError):
        error = error.error
    orig = error.orig if isinstance(error, DBAPIError) else error
    return getattr(orig, "sqlstate", None)


def package_modules(name: Any) -> tuple[ModuleType, ModuleType]:
    """The package's ``migration`` and ``api`` modules, imported afresh (its files as they are now)."""
    if isinstance(name, ModuleType):  # check(..., booking) after `import booking`: the same package
        name = name.__name__
    if not isinstance(name, str) or not name:
        raise Hint(
            f'give the check your package\'s name, e.g. check(..., "booking"), not {type(name).__name__}.'
        )
    if answering() and (name == REFERENCE or name.startswith(f"{REFERENCE}.")):
        raise Hint(f'"{name}" is the reference package: give the check yours, "booking".')
    for module in [key for key in sys.modules if key == name or key.startswith(f"{name}.")]:
        del sys.modules[module]
    importlib.invalidate_caches()
    found = []
    for part in ("migration", "api"):
        try:
            found.append(importlib.import_module(f"{name}.{part}"))
        except ModuleNotFoundError as error:
            if error.name not in (name, f"{name}.{part}"):
                raise LearnerError("package", error) from error
            raise Hint(
                f"there is no module {name}.{part}: the package is the folder {name}/ next to the "
                f"notebook, with {part}.py in it."
            ) from None
        except Exception as error:
            raise LearnerError("package", error) from error
    return found[0], found[1]


def run_revision(engine: Engine, function: Callable) -> None:
    """Run ``upgrade`` or ``downgrade`` as Alembic runs a revision: one transaction, ``op`` bound."""
    quiet = logging.getLogger("alembic.runtime.migration")
    level = quiet.level
    quiet.setLevel(logging.WARNING)
    try:
        with engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
            learner(function)
    finally:
        quiet.setLevel(level)


def revision_functions(migration: ModuleType) -> tuple[Callable, Callable]:
    functions = [getattr(migration, name, None) for name in ("upgrade", "downgrade")]
    for name, function in zip(("upgrade", "downgrade"), functions, strict=True):
        if not callable(function):
            raise Hint(f"migration.py has no function {name}(): def {name}() -> None: op....")
    return functions[0], functions[1]


@contextmanager
def rooms_database() -> Iterator[Engine]:
    """A scratch database at revision 0001: the room table and its four rooms."""
    with check_database() as engine:
        with engine.begin() as conn:
            conn.execute(text(ROOM_TABLE))
            conn.execute(
                text("INSERT INTO room (name, time_zone) VALUES (:name, :tz)"),
                [{"name": name, "tz": tz} for name, tz in ROOMS],
            )
        yield engine


def has_booking_table(engine: Engine) -> bool:
    return rows(engine, "SELECT to_regclass('booking') IS NOT NULL") == [(True,)]


@contextmanager
def migrated(name: Any) -> Iterator[tuple[Engine, ModuleType]]:
    """The rooms database upgraded by the package's migration; and its ``api`` module."""
    migration, api = package_modules(name)
    upgrade, _ = revision_functions(migration)
    with rooms_database() as engine:
        try:
            run_revision(engine, upgrade)
        except LearnerError as error:
            raise Hint(f"the migration's upgrade() failed ({error}): pass nb14-migration first.") from None
        if not has_booking_table(engine):
            raise Hint("upgrade() creates no booking table yet: pass nb14-migration first.")
        yield engine, api


def app_for(api: ModuleType, engine: Engine) -> FastAPI:
    """The package's router on an app of the check's own, its sessions on ``engine``."""
    from fastapi import APIRouter

    router, get_session = getattr(api, "router", None), getattr(api, "get_session", None)
    if not isinstance(router, APIRouter):
        raise Hint("api.py should define router = APIRouter(), with the endpoints on it.")
    if not callable(get_session):
        raise Hint("api.py should define get_session(), the dependency the endpoints get a Session from.")

    def session_on_the_check_database() -> Iterator[Session]:
        with Session(engine) as session:
            yield session

    app = FastAPI()
    app.include_router(router)
    app.dependency_overrides[get_session] = session_on_the_check_database
    return app


def test_client(app: FastAPI) -> Any:
    with warnings.catch_warnings():  # Starlette 1.x asks for httpx2; TestClient works the same
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
        from fastapi.testclient import TestClient

        return TestClient(app)


def call(client: Any, method: str, url: str, **kwargs: Any) -> Any:
    """One request; an exception raised by the learner's endpoint is theirs (exclusion: a hint)."""
    try:
        return client.request(method, url, **kwargs)
    except Exception as error:
        refused = {
            "23514": "a booking that does not end after it starts (check_violation): validate it in the "
            "request model (a model_validator), which answers 422 before any SQL is sent.",
            "23503": "a booking of a room that does not exist (foreign_key_violation): look the room up "
            "first and answer 404.",
        }.get(sqlstate(error) or "")
        if refused:
            raise Hint(
                f"{method} {url}: the endpoint let PostgreSQL's refusal through as a 500, for {refused}"
            ) from None
        if isinstance(error, StatementError) and "must have timezone information" in str(error.orig):
            raise Hint(
                f"{method} {url}: a time without an offset got as far as the database, where SQLModel "
                "refused it at flush (a ValueError: a 500). Refuse it at the door, 422: type the request's "
                "times AwareDatetime."
            ) from None
        if sqlstate(error) == "23P01":
            raise Hint(
                f"{method} {url}: PostgreSQL refused an overlapping booking (exclusion_violation), and the "
                "endpoint let the IntegrityError through: a 500. That is the client's conflict: catch it, "
                "roll back, and answer 409."
            ) from None
        raise LearnerError(f"endpoint ({method} {url})", error) from error


def instant(value: Any, what: str) -> datetime:
    """A response's time, which must say its offset."""
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise Hint(f"{what} should be an ISO 8601 time, not {value!r}.") from None
    if parsed.tzinfo is None:
        raise Hint(
            f"{what} came back as {value!r}, without an offset: that names no instant. Store timestamptz "
            "(sa.DateTime(timezone=True)) and answer aware datetimes."
        )
    return parsed


def booking_body(item: Any, what: str) -> dict:
    if not isinstance(item, dict) or set(item) != BOOKING_FIELDS:
        fields = sorted(item) if isinstance(item, dict) else type(item).__name__
        raise Hint(
            f"{what} should be a booking with exactly the fields {sorted(BOOKING_FIELDS)}, not {fields}."
        )
    return {**item, "start_at": instant(item["start_at"], what), "end_at": instant(item["end_at"], what)}
