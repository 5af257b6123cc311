"""The check of ``nb10-test-change-email``: tests graded by the bugs they catch."""

from __future__ import annotations

from typing import Any

from course_lib.checks.nb10_testing.common import _grade_tests
from course_lib.exercises import exercise

CHANGE_EMAIL = '''

def change_email(session: Session, customer: Customer, new_email: str) -> None:
    """Give the customer a new, normalised e-mail address; EmailTaken if another customer has it."""
    email = new_email.strip().lower()
    try:
        with session.begin_nested():  # SAVEPOINT: a refused change undoes this UPDATE only
            customer.email = email
    except IntegrityError as error:
        if getattr(error.orig, "sqlstate", None) == UNIQUE_VIOLATION:
            raise EmailTaken(email) from None  # the normalised address, as register() does
        raise
'''
CHANGE_EMAIL_BROKEN = {
    "your tests pass against a change_email that stores the address as given: "
    "test with an address in capitals and with spaces around it.": """

def change_email(session, customer, new_email):
    try:
        with session.begin_nested():
            customer.email = new_email
    except IntegrityError as error:
        if getattr(error.orig, "sqlstate", None) == UNIQUE_VIOLATION:
            raise EmailTaken(new_email) from None
        raise
""",
    "your tests pass against a change_email that lets PostgreSQL's IntegrityError out instead of "
    "EmailTaken: take another customer's address and expect EmailTaken (pytest.raises).": """

def change_email(session, customer, new_email):
    email = new_email.strip().lower()
    with session.begin_nested():
        customer.email = email
""",
    "your tests pass against a change_email without a savepoint, where a refused change rolls back "
    "the caller's whole transaction: after catching EmailTaken, check that what the test made before "
    "it, in the same session and not committed (no rollback undoes a commit), is still there.": """

def change_email(session, customer, new_email):
    email = new_email.strip().lower()
    customer.email = email
    try:
        session.flush()
    except IntegrityError as error:
        session.rollback()
        if getattr(error.orig, "sqlstate", None) == UNIQUE_VIOLATION:
            raise EmailTaken(email) from None
        raise
""",
    "your tests pass against a change_email that looks the address up first and so refuses a "
    "customer's own address: change a customer's e-mail to the same address in other capitals.": """

def change_email(session, customer, new_email):
    new_email = new_email.strip().lower()
    if session.exec(select(Customer).where(Customer.email == new_email)).first() is not None:
        raise EmailTaken(new_email)
    customer.email = new_email
    session.flush()
""",
}


@exercise("nb10-test-change-email", level=3)
def tests_for_change_email(answer: Any) -> str:
    _grade_tests(answer, "change_email", CHANGE_EMAIL, CHANGE_EMAIL_BROKEN)
    return f"your tests pass on the correct code and catch all {len(CHANGE_EMAIL_BROKEN)} broken versions."
