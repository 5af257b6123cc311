"""The checks of notebooks/09_transactions_and_concurrency.ipynb: wrong answers get hints, right ones pass.

The learner's functions here use a mapping of their own (not the notebook's models) onto the
tables the checks create in their scratch databases.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from course_lib.exercises import Status, run_check

pytestmark = pytest.mark.usefixtures("embedded")  # the checks' scratch databases live on it


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "user"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str]
    username: Mapped[str | None]


def hinted(exercise_id: str, answer, *words: str) -> str:
    result = run_check(exercise_id, answer)
    assert result.status is Status.NOT_YET, result
    for word in words:
        assert word in result.message, result.message
    return result.message


# --- nb09-sign-up ----------------------------------------------------------------------------


def _insert(session, email, username):
    user = User(email=email, username=username)
    session.add(user)
    session.commit()


def right_sign_up(session, email, username):
    try:
        _insert(session, email, username)
    except IntegrityError as error:
        session.rollback()
        if error.orig.sqlstate == "23505":
            if error.orig.diag.constraint_name == "user_email_key":
                return "email taken"
            if error.orig.diag.constraint_name == "user_username_key":
                return "username taken"
        raise
    return "created"


def seed_sign_up(session, email, username):  # every IntegrityError is "email taken"
    try:
        _insert(session, email, username)
    except IntegrityError:
        session.rollback()
        return "email taken"
    return "created"


def substring_sign_up(session, email, username):  # "email" anywhere in the name
    try:
        _insert(session, email, username)
    except IntegrityError as error:
        session.rollback()
        name = error.orig.diag.constraint_name or ""
        if "email" in name:
            return "email taken"
        if "username" in name:
            return "username taken"
        raise
    return "created"


def no_rollback_sign_up(session, email, username):
    try:
        _insert(session, email, username)
    except IntegrityError as error:
        if error.orig.diag.constraint_name == "user_email_key":
            return "email taken"
        if error.orig.diag.constraint_name == "user_username_key":
            return "username taken"
        raise
    return "created"


def rollback_only_when_handled(session, email, username):
    try:
        _insert(session, email, username)
    except IntegrityError as error:
        if error.orig.diag.constraint_name == "user_email_key":
            session.rollback()
            return "email taken"
        if error.orig.diag.constraint_name == "user_username_key":
            session.rollback()
            return "username taken"
        raise  # forgot the rollback here
    return "created"


def no_catch_sign_up(session, email, username):
    _insert(session, email, username)
    return "created"


def wrapping_sign_up(session, email, username):
    try:
        return right_sign_up(session, email, username)
    except IntegrityError as error:
        raise ValueError("invalid user") from error


def flush_only_sign_up(session, email, username):
    try:
        session.add(User(email=email, username=username))
        session.flush()
    except IntegrityError as error:
        session.rollback()
        if error.orig.diag.constraint_name == "user_email_key":
            return "email taken"
        if error.orig.diag.constraint_name == "user_username_key":
            return "username taken"
        raise
    return "created"


def test_sign_up_reference_passes():
    result = run_check("nb09-sign-up", right_sign_up)
    assert result.passed, result


def test_sign_up_hard_coded_fails():
    hinted("nb09-sign-up", lambda session, email, username: "created", "returned 'created'")


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (seed_sign_up, ("returned 'email taken'", "'username taken'", "constraint's name")),
        (substring_sign_up, ("user_email_check", "whole name")),
        (no_rollback_sign_up, ("session.rollback()",)),
        (rollback_only_when_handled, ("before re-raising", "ada.example.com")),
        (no_catch_sign_up, ("raised IntegrityError", "'username taken'")),
        (wrapping_sign_up, ("propagate unchanged", "ValueError")),
        (flush_only_sign_up, ("commit",)),
        (lambda session, email, username: None, ("return one of the strings",)),
        ("sign_up", ("function",)),
    ],
)
def test_sign_up_hints(answer, words):
    hinted("nb09-sign-up", answer, *words)


# --- nb09-retry ------------------------------------------------------------------------------


RETRYABLE = ("40001", "40P01")  # serialization failure, deadlock


def right_retry(engine, work, attempts=3):
    serializable = engine.execution_options(isolation_level="SERIALIZABLE")
    for attempt in range(1, attempts + 1):
        try:
            with Session(serializable) as session, session.begin():
                return work(session)
        except OperationalError as error:
            if error.orig.sqlstate not in RETRYABLE or attempt == attempts:
                raise
    raise AssertionError("not reached")


def repeatable_read_retry(engine, work, attempts=3):  # also right: the check's conflicts are write-write
    repeatable = engine.execution_options(isolation_level="REPEATABLE READ")
    for attempt in range(1, attempts + 1):
        try:
            with Session(repeatable) as session, session.begin():
                return work(session)
        except OperationalError as error:
            if error.orig.sqlstate not in RETRYABLE or attempt == attempts:
                raise
    raise AssertionError("not reached")


def serialization_only_retry(engine, work, attempts=3):  # forgets deadlocks
    serializable = engine.execution_options(isolation_level="SERIALIZABLE")
    for attempt in range(1, attempts + 1):
        try:
            with Session(serializable) as session, session.begin():
                return work(session)
        except OperationalError as error:
            if error.orig.sqlstate != "40001" or attempt == attempts:
                raise
    raise AssertionError("not reached")


def no_retry(engine, work, attempts=3):
    with Session(engine.execution_options(isolation_level="REPEATABLE READ")) as session, session.begin():
        return work(session)


def read_committed_retry(engine, work, attempts=3):
    for attempt in range(1, attempts + 1):
        try:
            with Session(engine) as session, session.begin():
                return work(session)
        except OperationalError as error:
            if error.orig.sqlstate not in RETRYABLE or attempt == attempts:
                raise


def any_operational_error_retry(engine, work, attempts=3):
    repeatable = engine.execution_options(isolation_level="REPEATABLE READ")
    for attempt in range(1, attempts + 1):
        try:
            with Session(repeatable) as session, session.begin():
                return work(session)
        except OperationalError:
            if attempt == attempts:
                raise


def swallowing_retry(engine, work, attempts=3):
    repeatable = engine.execution_options(isolation_level="REPEATABLE READ")
    for _ in range(attempts):
        try:
            with Session(repeatable) as session, session.begin():
                return work(session)
        except OperationalError as error:
            if error.orig.sqlstate not in RETRYABLE:
                raise
    return None


def one_extra_attempt(engine, work, attempts=3):
    return right_retry(engine, work, attempts + 1)


def same_session_retry(engine, work, attempts=3):
    session = Session(engine.execution_options(isolation_level="REPEATABLE READ"))
    for attempt in range(1, attempts + 1):
        try:
            result = work(session)
            session.commit()
            return result
        except OperationalError as error:  # no rollback: the transaction stays aborted
            if error.orig.sqlstate not in RETRYABLE or attempt == attempts:
                raise


def no_commit_retry(engine, work, attempts=3):
    with Session(engine.execution_options(isolation_level="REPEATABLE READ")) as session:
        return work(session)


@pytest.mark.parametrize("answer", [right_retry, repeatable_read_retry])
def test_retry_reference_passes(answer):
    result = run_check("nb09-retry", answer)
    assert result.passed, result


def test_retry_hard_coded_fails():
    hinted("nb09-retry", lambda engine, work, attempts=3: 510, "commit")


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (no_retry, ("40001", "run the work again")),
        (read_committed_retry, ("SERIALIZABLE", "lost")),
        (serialization_only_retry, ("40P01", "deadlock")),
        (any_operational_error_retry, ("statement timeout", "'40001'", "'40P01'", "3 times")),
        (swallowing_retry, ("let the serialization failure propagate",)),
        (one_extra_attempt, ("attempts=4", "5 time(s)")),
        (same_session_retry, ("new transaction", "InFailedSqlTransaction")),
        (no_commit_retry, ("commit",)),
        (lambda engine, work: work, ("attempts=",)),
        (42, ("run_in_transaction",)),
    ],
)
def test_retry_hints(answer, words):
    hinted("nb09-retry", answer, *words)


# --- nb09-withdraw ---------------------------------------------------------------------------


def right_withdraw(engine, account_id, amount):
    with engine.begin() as conn:
        changed = conn.execute(
            text("UPDATE account SET balance = balance - :amount WHERE id = :id AND balance >= :amount"),
            {"id": account_id, "amount": amount},
        ).rowcount
    return changed == 1


def locking_withdraw(engine, account_id, amount):
    with engine.begin() as conn:
        balance = conn.execute(
            text("SELECT balance FROM account WHERE id = :id FOR UPDATE"), {"id": account_id}
        ).scalar()
        if balance is None or balance < amount:
            return False
        conn.execute(
            text("UPDATE account SET balance = :balance WHERE id = :id"),
            {"id": account_id, "balance": balance - amount},
        )
    return True


def _read_then_write(engine, account_id, amount, *, lock="", atomic=False, strict=False, commit=True):
    conn = engine.connect()
    try:
        balance = conn.execute(
            text(f"SELECT balance FROM account WHERE id = :id {lock}"), {"id": account_id}
        ).scalar()
        if balance is None or balance < amount or (strict and balance == amount):
            return False
        if atomic:
            statement = text("UPDATE account SET balance = balance - :amount WHERE id = :id")
            conn.execute(statement, {"id": account_id, "amount": amount})
        else:
            statement = text("UPDATE account SET balance = :balance WHERE id = :id")
            conn.execute(statement, {"id": account_id, "balance": balance - amount})
        if commit:
            conn.commit()
        return True
    finally:
        conn.close()


def repeatable_read_withdraw(engine, account_id, amount):
    with engine.execution_options(isolation_level="REPEATABLE READ").begin() as conn:
        changed = conn.execute(
            text("UPDATE account SET balance = balance - :amount WHERE id = :id AND balance >= :amount"),
            {"id": account_id, "amount": amount},
        ).rowcount
    return changed == 1


def test_withdraw_references_pass():
    for answer in (right_withdraw, locking_withdraw):
        result = run_check("nb09-withdraw", answer)
        assert result.passed, result


def test_withdraw_hard_coded_fails():
    hinted("nb09-withdraw", lambda engine, account_id, amount: True, "commit")


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (lambda e, i, a: _read_then_write(e, i, a), ("both returned True", "lost update")),
        (lambda e, i, a: _read_then_write(e, i, a, atomic=True), ("-40", "WHERE balance >= amount")),
        (lambda e, i, a: _read_then_write(e, i, a, lock="FOR UPDATE NOWAIT"), ("NOWAIT",)),
        (lambda e, i, a: _read_then_write(e, i, a, lock="FOR UPDATE", strict=True), ("exactly 0",)),
        (lambda e, i, a: _read_then_write(e, i, a, lock="FOR UPDATE", commit=False), ("commit the change",)),
        (
            lambda e, i, a: _read_then_write(e, i, a, lock="FOR UPDATE") if i != 99 else 1 / 0,
            ("not exist", "False"),
        ),
        (repeatable_read_withdraw, ("40001", "retried")),
        (lambda e, i, a: int(right_withdraw(e, i, a)), ("True or False",)),
        (None, ("withdraw",)),
    ],
)
def test_withdraw_hints(answer, words):
    hinted("nb09-withdraw", answer, *words)
