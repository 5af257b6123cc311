"""The checks of notebooks/09_transactions_and_production.ipynb: wrong answers get hints, right ones pass."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, update

from course_lib.exercises import run_check

account = Table(
    "account",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("owner", String),
    Column("balance", Integer),
)
other = Table("other", MetaData(), Column("id", Integer, primary_key=True), Column("balance", Integer))


@pytest.fixture
def engine(scratch_name):
    from course_lib import notebook_database

    db = notebook_database(scratch_name("nb09"))
    engine = create_engine(db.url)
    yield engine
    engine.dispose()


def right_email_taken(error):
    return error.orig.sqlstate == "23505" and error.orig.diag.constraint_name == "user_email_key"


def test_email_taken(engine):
    assert run_check("nb09-email-taken", right_email_taken, engine)[0]

    passed, message = run_check("nb09-email-taken", lambda error: True, engine)
    assert not passed and "constraint" in message  # every IntegrityError is not 'email taken'

    passed, message = run_check("nb09-email-taken", lambda error: error.orig.sqlstate == "23505", engine)
    assert not passed and "username" in message  # any unique violation is not enough

    passed, message = run_check("nb09-email-taken", lambda error: None, engine)
    assert not passed and "True or False" in message

    passed, message = run_check("nb09-email-taken", "user_email_key", engine)
    assert not passed and "function" in message


def test_serialization_sqlstate():
    assert run_check("nb09-serialization-sqlstate", "40001")[0]
    for wrong, words in [("55P03", "NOWAIT"), ("40P01", "deadlock"), (40001, "string"), ("XX000", "catch")]:
        passed, message = run_check("nb09-serialization-sqlstate", wrong)
        assert not passed and words in message, message


def test_atomic_increment():
    right = update(account).where(account.c.id == 1).values(balance=account.c.balance + 25)
    assert run_check("nb09-atomic-increment", right)[0]

    wrongs = [
        (update(account).where(account.c.id == 1).values(balance=125), "computed from the column"),
        (update(account).values(balance=account.c.balance + 25), "WHERE"),
        (update(account).where(account.c.id == 2).values(balance=account.c.balance + 25), "account 1"),
        (update(other).where(other.c.id == 1).values(balance=other.c.balance + 25), "account table"),
        ("UPDATE account SET balance = balance + 25 WHERE id = 1", "update(Account)"),
    ]
    for wrong, words in wrongs:
        passed, message = run_check("nb09-atomic-increment", wrong)
        assert not passed and words in message, message


def test_asyncpg_connect_args():
    assert run_check(
        "nb09-asyncpg-connect-args", {"timeout": 5, "server_settings": {"statement_timeout": "2s"}}
    )[0]
    wrongs = [
        ({"connect_timeout": 5, "options": "-c statement_timeout=2000"}, "options"),
        ({"connect_timeout": 5, "server_settings": {"statement_timeout": "2000"}}, "'timeout'"),
        ({"timeout": 5, "server_settings": {"statement_timeout": 2000}}, "strings"),
        ({"timeout": 5, "server_settings": {"statement_timeout": "2"}}, "milliseconds"),
        ({"timeout": 5}, "server_settings"),
        ({"timeout": 10, "server_settings": {"statement_timeout": "2000"}}, "5"),
        ("timeout=5", "dict"),
    ]
    for wrong, words in wrongs:
        passed, message = run_check("nb09-asyncpg-connect-args", wrong)
        assert not passed and words in message, message
