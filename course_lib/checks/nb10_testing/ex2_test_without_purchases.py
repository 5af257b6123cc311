"""The check of ``nb10-test-without-purchases``: tests graded by the bugs they catch."""

from __future__ import annotations

from typing import Any

from course_lib.checks.nb10_testing.common import _grade_tests
from course_lib.exercises import exercise

WITHOUT_PURCHASES = '''

def emails_without_purchases(session: Session) -> list[str]:
    """The e-mails of the customers who never bought anything, sorted."""
    statement = (
        select(Customer.email)
        .outerjoin(Purchase, Purchase.customer_id == Customer.id)
        .where(Purchase.id.is_(None))
        .order_by(Customer.email)
    )
    return list(session.exec(statement).all())
'''
WITHOUT_PURCHASES_BROKEN = {
    "your tests pass against an emails_without_purchases that returns the customers WITH purchases: "
    "make one customer who bought something and one who did not, and check which comes back.": """

def emails_without_purchases(session):
    statement = select(Customer.email).join(Purchase, Purchase.customer_id == Customer.id)
    return sorted(set(session.exec(statement).all()))
""",
    "your tests pass against an emails_without_purchases that forgets to sort: make two customers "
    "without purchases in an order that is not alphabetical (e.g. zoe@... first, then ada@...).": """

def emails_without_purchases(session):
    statement = (
        select(Customer.email)
        .outerjoin(Purchase, Purchase.customer_id == Customer.id)
        .where(Purchase.id.is_(None))
        .order_by(Customer.id)
    )
    return list(session.exec(statement).all())
""",
    "your tests pass against an emails_without_purchases that looks at the amounts spent (nothing "
    "spent = no purchases): a purchase of 0 cents (a free item) is still a purchase; test that edge "
    "(the field is amount_cents: a model silently ignores a name it does not know).": """

def emails_without_purchases(session):
    spent = func.coalesce(func.sum(Purchase.amount_cents), 0)
    statement = (
        select(Customer.email)
        .outerjoin(Purchase, Purchase.customer_id == Customer.id)
        .group_by(Customer.email)
        .having(spent == 0)
        .order_by(Customer.email)
    )
    return list(session.exec(statement).all())
""",
}


@exercise("nb10-test-without-purchases", level=2)
def tests_for_without_purchases(answer: Any) -> str:
    _grade_tests(answer, "emails_without_purchases", WITHOUT_PURCHASES, WITHOUT_PURCHASES_BROKEN)
    return (
        f"your tests pass on the correct code and catch all {len(WITHOUT_PURCHASES_BROKEN)} broken versions."
    )


# The code under test of exercise 3, correct and broken.
