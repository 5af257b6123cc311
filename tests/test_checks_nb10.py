"""The exercise checks of notebooks/10_testing_the_data_layer.ipynb: the reference passes, each wrong answer
gets its hint.

Exercise 1 gets real errors from a scratch database. Exercises 2 and 3 grade tests: the learner's test
functions below are defined inside helper functions, so that pytest does not collect them here; the
check reads their source and runs them in a project of its own. The reference answers are graded as
a learner's are, one pytest run each; the answers of the hint tests are graded ahead, one pytest run
per exercise (``graded_together``), and each hint test still gets its verdict from check().
"""

from __future__ import annotations

import pytest
from helpers import assert_hint, assert_not_answered, assert_passes, use_course_settings
from sqlalchemy.exc import IntegrityError
from sqlmodel import func, select

from course_lib.checks.nb10_testing import CHANGE_EMAIL_BROKEN, WITHOUT_PURCHASES_BROKEN
from course_lib.checks.nb10_testing.common import graded_ahead
from course_lib.checks.nb10_testing.ex2_test_without_purchases import WITHOUT_PURCHASES
from course_lib.checks.nb10_testing.ex3_test_change_email import CHANGE_EMAIL

# Names the learner's tests below use. They never run in this process: the check's test module
# imports the real ones (pytest, select, func, and the models and EmailTaken of its own shop.py).
EmailTaken = Customer = None


@pytest.fixture(autouse=True)
def _server(embedded):
    """Every check here creates a scratch database on the course's embedded server."""


def hint_for(broken: dict[str, str], number: int) -> str:
    """The start of the hint a learner gets when their tests miss broken version ``number``."""
    return list(broken)[number][:60]


# --- nb10-unique-violation ------------------------------------------------------------------


def reference_is_unique_violation(error):
    driver_error = getattr(error, "orig", None)
    return getattr(driver_error, "sqlstate", None) == "23505"


def test_unique_violation_reference_passes():
    assert_passes("nb10-unique-violation", reference_is_unique_violation)


def test_unique_violation_psycopg_class_passes():
    import psycopg

    assert_passes(
        "nb10-unique-violation",
        lambda error: isinstance(getattr(error, "orig", None), psycopg.errors.UniqueViolation),
    )


def test_unique_violation_constant_answers_fail():
    assert_hint("nb10-unique-violation", lambda error: True, contains="foreign-key violation counted")
    assert_hint("nb10-unique-violation", lambda error: False, contains="duplicate e-mail was not recognised")


def test_unique_violation_wrong_answers_get_their_hint():
    assert_hint(
        "nb10-unique-violation",
        lambda error: isinstance(error, IntegrityError),
        contains=("foreign-key violation", "not the class"),
    )
    assert_hint(
        "nb10-unique-violation",
        lambda error: "duplicate key" in str(error),
        contains=("RAISE EXCEPTION", "compare the SQLSTATE"),
    )
    assert_hint(
        "nb10-unique-violation",
        lambda error: error.orig.diag.constraint_name == "customer_email_key",
        contains="unique index",
    )
    assert_hint(
        "nb10-unique-violation",
        lambda error: error.orig.sqlstate == "23505",
        contains=("raised AttributeError", "has no .orig"),
    )
    assert_hint(
        "nb10-unique-violation",
        lambda error: getattr(getattr(error, "orig", None), "sqlstate", None),
        contains="return True or False",
    )
    assert_hint("nb10-unique-violation", "23505", contains="should be a function")
    assert_not_answered("nb10-unique-violation", ...)


# --- nb10-test-without-purchases ------------------------------------------------------------


def customers_who_bought(make_customer, make_purchase):
    """A helper outside the learner's test: the check does not carry it."""
    make_purchase(make_customer(email="bob@example.com"))


def without_purchases_tests():
    def test_reference(session, make_customer, make_purchase, emails_without_purchases):
        make_customer(email="zoe@example.com")
        make_customer(email="ada@example.com")
        make_purchase(make_customer(email="bob@example.com"))
        make_purchase(make_customer(email="cy@example.com"), amount_cents=0)
        assert emails_without_purchases(session) == ["ada@example.com", "zoe@example.com"]

    def test_hard_coded(session, emails_without_purchases):
        assert emails_without_purchases(session) == ["ada@example.com", "zoe@example.com"]

    def test_only_a_list(session, make_customer, emails_without_purchases):
        make_customer()
        assert isinstance(emails_without_purchases(session), list)

    def test_one_customer(session, make_customer, emails_without_purchases):
        make_customer(email="zoe@example.com")
        assert emails_without_purchases(session) == ["zoe@example.com"]

    def test_no_free_purchase(session, make_customer, make_purchase, emails_without_purchases):
        make_customer(email="zoe@example.com")
        make_customer(email="ada@example.com")
        make_purchase(make_customer(email="bob@example.com"))
        assert emails_without_purchases(session) == ["ada@example.com", "zoe@example.com"]

    def test_free_purchase_misspelt(session, make_customer, make_purchase, emails_without_purchases):
        make_customer(email="zoe@example.com")
        make_customer(email="ada@example.com")
        make_purchase(make_customer(email="bob@example.com"), amount=0)  # ignored: bob spends 1000
        assert emails_without_purchases(session) == ["ada@example.com", "zoe@example.com"]

    def test_uses_a_helper(session, make_customer, make_purchase, emails_without_purchases):
        customers_who_bought(make_customer, make_purchase)
        assert emails_without_purchases(session) == []

    def test_forgets_make_purchase(session, make_customer, emails_without_purchases):
        make_purchase(make_customer())  # noqa: F821 - the mistake under test
        assert emails_without_purchases(session) == []

    # Cheats: each passes on the correct version and fails on every broken one, if a test can tell
    # the versions apart (they were modules impl_correct, impl_broken_0, ...; only one had a docstring).
    def test_by_module(session, emails_without_purchases):
        emails_without_purchases(session)
        assert emails_without_purchases.__module__ == "impl_correct"

    def test_by_docstring(session, emails_without_purchases):
        emails_without_purchases(session)
        assert emails_without_purchases.__doc__ is not None

    def test_without_the_fixture(session, make_customer):
        make_customer()

    def test_never_calls(session, make_customer, emails_without_purchases):
        make_customer()

    def helper(session, emails_without_purchases):
        emails_without_purchases(session)

    return {name.removeprefix("test_"): value for name, value in locals().items()}


def change_email_tests():
    def test_normalises(session, make_customer, change_email):
        ada = make_customer(email="ada@example.com")
        change_email(session, ada, "  Ada.Lovelace@Example.COM ")
        assert ada.email == "ada.lovelace@example.com"

    def test_own_address(session, make_customer, change_email):
        ada = make_customer(email="ada@example.com")
        change_email(session, ada, "ADA@example.com")
        assert ada.email == "ada@example.com"

    def test_own_address_same_case(session, make_customer, change_email):
        ada = make_customer(email="ada@example.com")
        change_email(session, ada, "ada@example.com")

    def test_refused_nothing_lost(session, make_customer, change_email):
        ada = make_customer(email="ada@example.com")
        make_customer(email="grace@example.com")
        with pytest.raises(EmailTaken):
            change_email(session, ada, "Grace@example.com")
        emails = session.exec(select(Customer.email).order_by(Customer.email)).all()
        assert emails == ["ada@example.com", "grace@example.com"]

    def test_refused_lowercase_nothing_lost(session, make_customer, change_email):
        ada = make_customer(email="ada@example.com")
        make_customer(email="grace@example.com")
        with pytest.raises(EmailTaken):
            change_email(session, ada, "grace@example.com")
        assert session.exec(select(func.count()).select_from(Customer)).one() == 2

    def test_refused_any_error_nothing_lost(session, make_customer, change_email):
        ada = make_customer(email="ada@example.com")
        make_customer(email="grace@example.com")
        with pytest.raises(Exception):  # noqa: B017 - the mistake under test
            change_email(session, ada, "grace@example.com")
        assert session.exec(select(func.count()).select_from(Customer)).one() == 2

    def test_refused_only(session, make_customer, change_email):
        ada = make_customer(email="ada@example.com")
        make_customer(email="grace@example.com")
        with pytest.raises(EmailTaken):
            change_email(session, ada, "grace@example.com")

    def test_refused_after_a_commit(session, make_customer, change_email):
        ada = make_customer(email="ada@example.com")
        make_customer(email="grace@example.com")
        session.commit()  # the customers survive any rollback: the test cannot see the broken one's
        with pytest.raises(EmailTaken):
            change_email(session, ada, "grace@example.com")
        assert session.exec(select(func.count()).select_from(Customer)).one() == 2

    def test_change_expects_the_input_unchanged(session, make_customer, change_email):
        ada = make_customer(email="ada@example.com")
        change_email(session, ada, "Ada.L@example.com")
        assert ada.email == "Ada.L@example.com"

    return {name.removeprefix("test_"): value for name, value in locals().items()}


# The answers of the hint tests below, each a list of test names.
WITHOUT_PURCHASES_MISSES = [["only_a_list"], ["one_customer"], ["no_free_purchase"]]
WITHOUT_PURCHASES_OTHERS = [
    ["hard_coded"],
    ["free_purchase_misspelt"],
    ["uses_a_helper"],
    ["forgets_make_purchase"],
    ["by_module"],
    ["by_docstring"],
]
CHANGE_EMAIL_MISSES = [
    ["own_address_same_case", "refused_lowercase_nothing_lost"],
    ["normalises", "own_address", "refused_any_error_nothing_lost"],
    ["normalises", "own_address", "refused_only"],
    ["normalises", "refused_nothing_lost"],
]
CHANGE_EMAIL_OTHERS = [
    ["change_expects_the_input_unchanged"],
    ["normalises", "own_address", "refused_after_a_commit"],
]


def without_purchases(names: list[str]) -> list:
    tests = without_purchases_tests()
    return [tests[name] for name in names]


def change_email(names: list[str]) -> list:
    tests = change_email_tests()
    return [tests[name] for name in names]


@pytest.fixture(scope="module")
def graded_together():
    """The hint tests' answers, graded ahead: one pytest run per exercise instead of one per answer."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        use_course_settings(monkeypatch)  # the embedded server, as the embedded fixture chooses it
        answers_2 = [without_purchases(n) for n in WITHOUT_PURCHASES_MISSES + WITHOUT_PURCHASES_OTHERS]
        answers_3 = [change_email(n) for n in CHANGE_EMAIL_MISSES + CHANGE_EMAIL_OTHERS]
        with (
            graded_ahead(answers_2, "emails_without_purchases", WITHOUT_PURCHASES, WITHOUT_PURCHASES_BROKEN),
            graded_ahead(answers_3, "change_email", CHANGE_EMAIL, CHANGE_EMAIL_BROKEN),
        ):
            yield


def test_without_purchases_reference_passes():
    assert_passes("nb10-test-without-purchases", without_purchases(["reference"]))


def test_without_purchases_hard_coded_expectation_fails_on_the_correct_code(graded_together):
    assert_hint(
        "nb10-test-without-purchases",
        without_purchases(["hard_coded"]),
        contains=("fail against the correct emails_without_purchases", "hard_coded"),
    )


@pytest.mark.parametrize("number", range(len(WITHOUT_PURCHASES_MISSES)))
def test_without_purchases_each_missed_bug_gets_its_hint(graded_together, number):
    assert_hint(
        "nb10-test-without-purchases",
        without_purchases(WITHOUT_PURCHASES_MISSES[number]),
        contains=hint_for(WITHOUT_PURCHASES_BROKEN, number),
    )


def test_without_purchases_answers_that_are_not_tests():
    tests = without_purchases_tests()
    assert_hint("nb10-test-without-purchases", tests["without_the_fixture"], contains="add a parameter named")
    assert_hint(
        "nb10-test-without-purchases", tests["never_calls"], contains="never call emails_without_purchases"
    )
    assert_hint("nb10-test-without-purchases", tests["helper"], contains="starts with test")
    assert_hint("nb10-test-without-purchases", "def test_x(): ...", contains="your test function")
    assert_not_answered("nb10-test-without-purchases", ...)


def test_without_purchases_a_misspelt_amount_is_pointed_at(graded_together):
    assert_hint(
        "nb10-test-without-purchases",
        without_purchases(["free_purchase_misspelt"]),
        contains=("a purchase of 0 cents", "the field is amount_cents"),
    )


def test_without_purchases_a_helper_outside_the_tests_is_explained(graded_together):
    assert_hint(
        "nb10-test-without-purchases",
        without_purchases(["uses_a_helper"]),
        contains=("name 'customers_who_bought' is not defined", "runs your test functions alone"),
    )


def test_without_purchases_a_fixture_used_but_not_asked_for_is_explained(graded_together):
    assert_hint(
        "nb10-test-without-purchases",
        without_purchases(["forgets_make_purchase"]),
        contains=("name 'make_purchase' is not defined", "ask for a fixture as a parameter"),
    )


@pytest.mark.parametrize("cheat", ["by_module", "by_docstring"])
def test_without_purchases_tests_cannot_tell_the_correct_version_by_its_name_or_docstring(
    graded_together, cheat
):
    assert_hint(
        "nb10-test-without-purchases",
        without_purchases([cheat]),
        contains=("fail against the correct emails_without_purchases", cheat),
    )


# --- nb10-test-change-email -----------------------------------------------------------------


def test_change_email_reference_passes():
    assert_passes(
        "nb10-test-change-email", change_email(["normalises", "own_address", "refused_nothing_lost"])
    )


def test_change_email_wrong_expectation_fails_on_the_correct_code(graded_together):
    assert_hint(
        "nb10-test-change-email",
        change_email(["change_expects_the_input_unchanged"]),
        contains=("fail against the correct change_email", "change_expects_the_input_unchanged"),
    )


@pytest.mark.parametrize("number", range(len(CHANGE_EMAIL_MISSES)))
def test_change_email_each_missed_bug_gets_its_hint(graded_together, number):
    assert_hint(
        "nb10-test-change-email",
        change_email(CHANGE_EMAIL_MISSES[number]),
        contains=hint_for(CHANGE_EMAIL_BROKEN, number),
    )


def test_change_email_a_test_that_commits_first_is_told_why_it_misses_the_rollback(graded_together):
    assert_hint(
        "nb10-test-change-email",
        change_email(["normalises", "own_address", "refused_after_a_commit"]),
        contains=("without a savepoint", "not committed (no rollback undoes a commit)"),
    )


def test_graded_ahead_gives_the_outcome_a_run_of_its_own_gives():
    """The shortcut the hint tests take: a missed bug graded on its own gets the same hint (the tests in
    another order: an answer graded_together does not hold)."""
    assert_hint(
        "nb10-test-change-email",
        change_email(CHANGE_EMAIL_MISSES[3][::-1]),
        contains=hint_for(CHANGE_EMAIL_BROKEN, 3),
    )
