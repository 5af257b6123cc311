"""The checks of notebooks/13_production_settings.ipynb: the references pass, hard-coded answers fail,
and each plausible wrong answer gets its own hint (asserted by its text)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.pool import NullPool

from tests.helpers import assert_hint, assert_passes

pytestmark = pytest.mark.usefixtures("embedded")  # the checks' scratch databases live on it


# --- nb13-pool-size --------------------------------------------------------------------------


def right_worker_engine(url):
    return create_engine(url, pool_size=2, max_overflow=2, pool_timeout=0.5)


def test_pool_size_reference_passes():
    assert "4 connections at once" in assert_passes("nb13-pool-size", right_worker_engine)


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (lambda url: "QueuePool(pool_size=2, max_overflow=2)", ("returned str", "create_engine")),
        (lambda url: create_engine(url), ("fifth connection", "pool_size + max_overflow")),
        (lambda url: create_engine(url, poolclass=NullPool), ("fifth connection", "NullPool")),
        (lambda url: create_engine(url, pool_size=2, max_overflow=2), ("still waiting", "pool_timeout")),
        (
            lambda url: create_engine(url, pool_size=4, max_overflow=0, pool_timeout=0.5),
            ("kept 4", "pool_size"),
        ),
        (
            lambda url: create_engine(url, pool_size=2, max_overflow=1, pool_timeout=0.5),
            ("only 3", "max_overflow"),
        ),
        (
            lambda url: create_engine(
                make_url(url).difference_update_query(["application_name"]), pool_size=2
            ),
            ("none of your engine's connections", "url argument"),
        ),
        (
            lambda url: create_engine(url, pool_size=2, max_overflow=2, pool_timeout=0),
            ("gave up after", "pool_timeout=0.5"),
        ),
        (
            lambda url: create_engine(url, pool_size=2, max_overflow=2, pool_timeout=1.5),
            ("pool_timeout=1.5", "at most half a second"),
        ),
        (None, ("make_worker_engine",)),
    ],
)
def test_pool_size_hints(answer, words):
    assert_hint("nb13-pool-size", answer, contains=words)


# --- nb13-statement-timeout ------------------------------------------------------------------


def right_run_with_timeout(engine, sql, milliseconds):
    with engine.begin() as conn:
        conn.execute(text("SELECT set_config('statement_timeout', :ms, true)"), {"ms": str(milliseconds)})
        return [tuple(row) for row in conn.execute(text(sql))]


def set_local_run_with_timeout(engine, sql, milliseconds):
    with engine.begin() as conn:
        conn.exec_driver_sql(f"SET LOCAL statement_timeout = {int(milliseconds)}")
        return [tuple(row) for row in conn.exec_driver_sql(sql)]


def _variant(setting_sql, *, separate=False, swallow=False, commit=True):
    def run(engine, sql, milliseconds):
        conn = engine.connect()
        try:
            conn.exec_driver_sql(setting_sql.format(ms=int(milliseconds)))
            if separate:
                conn.commit()
            try:
                result = [tuple(row) for row in conn.exec_driver_sql(sql)]
            except OperationalError:
                if swallow:
                    conn.rollback()
                    return []
                raise
            if commit:
                conn.commit()
            return result
        finally:
            conn.close()

    return run


def test_statement_timeout_references_pass():
    for answer in (right_run_with_timeout, set_local_run_with_timeout):
        assert_passes("nb13-statement-timeout", answer)


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (lambda engine, sql, milliseconds: [("1234ms",)], ("every row",)),
        (
            _variant("SET LOCAL statement_timeout = {ms}", separate=True),
            ("no statement_timeout", "SET LOCAL"),
        ),
        (_variant("SET statement_timeout = {ms}"), ("still had statement_timeout = 1234ms", "session")),
        (
            _variant("SELECT set_config('statement_timeout', '{ms}', false)"),
            ("still had", "set_config(..., true)"),
        ),
        (_variant("SET LOCAL statement_timeout = '{ms}s'"), ("1234s", "milliseconds")),
        (_variant("SET LOCAL statement_timeout = {ms}", commit=False), ("commit",)),
        (_variant("SET LOCAL statement_timeout = {ms}", swallow=True), ("propagate", "57014")),
        (lambda engine, sql, milliseconds: {"rows": []}, ("list of tuples",)),
    ],
)
def test_statement_timeout_hints(answer, words):
    assert_hint("nb13-statement-timeout", answer, contains=words)


def test_statement_timeout_applied_too_late():
    """Set after the query ran: the timeout never applies to it."""

    def too_late(engine, sql, milliseconds):
        with engine.begin() as conn:
            result = [tuple(row) for row in conn.exec_driver_sql(sql)]
            conn.exec_driver_sql(f"SET LOCAL statement_timeout = {int(milliseconds)}")
        return result

    assert_hint("nb13-statement-timeout", too_late, contains="no statement_timeout")


# --- nb13-reconnect --------------------------------------------------------------------------


def right_run_with_reconnect(engine, work, attempts=2):
    for attempt in range(1, attempts + 1):
        try:
            with engine.begin() as conn:
                return work(conn)
        except DBAPIError as error:
            if not error.connection_invalidated or attempt == attempts:
                raise


def _is_dropped(error):
    return isinstance(error, DBAPIError) and error.connection_invalidated


def _retrying(retry_on, *, fixed_attempts=None, swallow_last=False):
    def run(engine, work, attempts=2):
        tries = fixed_attempts or attempts
        for attempt in range(1, tries + 1):
            try:
                with engine.begin() as conn:
                    return work(conn)
            except Exception as error:
                if not retry_on(error) or attempt == tries:
                    if swallow_last and retry_on(error):
                        return None
                    raise
        return None

    return run


def no_retry(engine, work, attempts=2):
    with engine.begin() as conn:
        return work(conn)


def test_reconnect_reference_passes():
    assert_passes("nb13-reconnect", right_run_with_reconnect)


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (lambda engine, work, attempts=2: 41, ("called 0 time", "return what it returned")),
        (no_retry, ("dropped", "connection_invalidated")),
        (_retrying(lambda error: True), ("division by zero", "connection_invalidated")),
        (
            _retrying(lambda error: isinstance(error, OperationalError)),
            ("statement_timeout", "connection_invalidated"),
        ),
        (_retrying(_is_dropped, fixed_attempts=100), ("ran 11 times", "at most attempts")),
        (_retrying(_is_dropped, fixed_attempts=2), ("ran 2 times", "at most attempts")),
        (_retrying(_is_dropped, swallow_last=True), ("returned None", "propagate")),
        (None, ("run_with_reconnect",)),
    ],
)
def test_reconnect_hints(answer, words):
    assert_hint("nb13-reconnect", answer, contains=words)
