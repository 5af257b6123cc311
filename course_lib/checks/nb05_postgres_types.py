"""Checks for notebooks/05_postgres_types.ipynb.

Queries run on a scratch database of the check's own (``check_database()``), filled with rows
the notebook never showed, and are compared with the reference query's result on the same rows.
Models are created there and probed: rows inserted with plain SQL, the catalog read.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Table, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from course_lib.exercises import Hint, check_database, exercise, learner, learner_rows


def _table(answer: Any, name: str, answer_name: str) -> Table:
    table = getattr(answer, "__table__", None)
    if not isinstance(table, Table):
        raise Hint(f"{answer_name} should be the table model class itself (declared with table=True).")
    if table.name != name:
        raise Hint(f"the table should be named {name!r}, not {table.name!r}.")
    return table


def _create(table: Table, engine: Engine) -> None:
    """Create the learner's table (only it) in the check's database."""
    learner(table.create, engine)


def _column_type(conn: Connection, table: str, column: str) -> str | None:
    return conn.execute(
        text(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = CAST(:table AS regclass) AND attname = :column AND NOT attisdropped"
        ),
        {"table": table, "column": column},
    ).scalar()


def _accepts(engine: Engine, sql: str, **params: Any) -> bool:
    """Whether PostgreSQL accepts this INSERT (it is rolled back either way)."""
    with engine.connect() as conn:
        try:
            conn.execute(text(sql), params)
        except DBAPIError:
            return False
        finally:
            conn.rollback()
    return True


# --- exercise 1: products with none of some tags ------------------------------------------

PRODUCTS = [  # (name, tags), inserted in this order: ids are not alphabetical
    ("Zebra rug", ["home", "décor"]),
    ("Gift card", []),
    ("Étagère", ["office", "home"]),
    ("Home sign", ["Home"]),
    ("Kettle", ["kitchen"]),
    ("Notebook", ["office", "office"]),
    ("Garden hose", ["garden"]),
    ("Mixer", ["kitchen", "appliance"]),
]
TAGS_REFERENCE = (
    "SELECT name FROM product WHERE NOT (tags && ARRAY['kitchen', 'home']::varchar[]) ORDER BY id"
)


@exercise("nb05-tags-none", level=1)
def tags_none(statement: Any) -> str:
    with check_database() as engine:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "CREATE TABLE product (id serial PRIMARY KEY, name varchar NOT NULL, "
                    "attributes jsonb NOT NULL DEFAULT '{}', tags varchar[] NOT NULL DEFAULT '{}')"
                )
            )
            for name, tags in PRODUCTS:
                conn.execute(
                    text("INSERT INTO product (name, tags) VALUES (:name, :tags)"),
                    {"name": name, "tags": tags},
                )
        got = learner_rows(engine, statement)
        expected = learner_rows(engine, TAGS_REFERENCE)
    if got == expected:
        return "NOT (tags && ...) keeps every product without those tags, the untagged one included."
    if any(len(row) != 1 for row in got):
        raise Hint("select the name only: select(Product.name).")
    names = [row[0] for row in got]
    tags_of = dict(PRODUCTS)
    if any(name not in tags_of for name in names):
        raise Hint(
            "your query returned names the check's own table does not have: build it from Product "
            "(the check runs it on other products), do not copy the notebook's output."
        )
    wrong = [name for name in names if {"kitchen", "home"} & set(tags_of[name])]
    if wrong:
        raise Hint(
            f"{wrong[0]!r} (tags {tags_of[wrong[0]]}) came back: it has one of the tags. "
            "'None of these' is the negation of 'at least one of these': ~Product.tags.overlap([...])."
        )
    if "Gift card" not in names:
        raise Hint(
            "a product with no tags at all has none of these tags, so it belongs in the result: "
            "any_(...) over an empty array is never true; negate the overlap instead."
        )
    if sorted(names) == sorted(row[0] for row in expected):
        raise Hint("the right products, in another order: order by id.")
    raise Hint("some products without those tags are missing: ~Product.tags.overlap(['kitchen', 'home']).")


# --- exercise 2: charges and refunds -------------------------------------------------------

PAYMENT_INSERT = "INSERT INTO payment (kind, amount) VALUES (:kind, CAST(:amount AS numeric))"


@exercise("nb05-payment-kinds", level=2)
def payment_kinds(answer: Any) -> str:
    table = _table(answer, "payment", "answer_2")
    for column in ("kind", "amount"):
        if column not in table.c:
            raise Hint(f"add a field named {column}.")
    with check_database() as engine:
        _create(table, engine)
        with engine.connect() as conn:
            amount_type = _column_type(conn, "payment", "amount")
        if amount_type in ("double precision", "real"):
            raise Hint(f"amount is {amount_type}: money needs Decimal (numeric), never float.")
        if amount_type != "numeric(12,2)":
            raise Hint(
                f"amount is {amount_type}: Field(max_digits=12, decimal_places=2) gives numeric(12,2)."
            )

        def accepts(kind: str | None, amount: str) -> bool:
            return _accepts(engine, PAYMENT_INSERT, kind=kind, amount=amount)

        if not accepts("charge", "10.00"):
            raise Hint(
                "a charge of 10.00 was refused: a CHECK constraint states what every row must satisfy "
                "(charges above zero), not what is forbidden."
            )
        if not accepts("refund", "-10.00"):
            raise Hint("a refund of -10.00 was refused: refunds are recorded as negative amounts.")
        if not (accepts("charge", "0.01") and accepts("refund", "-0.01")):
            raise Hint("a charge of 0.01 or a refund of -0.01 was refused: only zero is out.")
        if accepts("charge", "-5.00"):
            raise Hint(
                "a charge of -5.00 got through: the sign rule depends on the kind; combine both in one CHECK."
            )
        if accepts("refund", "5.00"):
            raise Hint("a refund of +5.00 got through: a refund's amount must be below zero.")
        if accepts("charge", "0") or accepts("refund", "0"):
            raise Hint(
                "an amount of 0.00 got through: neither a charge nor a refund (> and <, not >= or <=)."
            )
        if accepts("gift", "5.00"):
            raise Hint("kind 'gift' got through: only 'charge' and 'refund' are kinds.")
        if accepts(None, "5.00") or accepts(None, "-5.00"):
            raise Hint(
                "a payment without a kind got through: a CHECK whose condition is NULL passes. "
                "Make kind NOT NULL (a str field, not str | None)."
            )
    return "PostgreSQL refuses every payment that breaks the rule, and a missing kind too."


# --- exercise 3: a public code that tells nothing ------------------------------------------


@exercise("nb05-public-code", level=2)
def public_code(answer: Any) -> str:
    table = _table(answer, "coupon", "answer_3")
    for column in ("id", "label", "code"):
        if column not in table.c:
            raise Hint(f"add a field named {column}.")
    with check_database() as engine:
        _create(table, engine)
        with engine.connect() as conn:
            id_type = _column_type(conn, "coupon", "id")
            code_type = _column_type(conn, "coupon", "code")
        if id_type not in ("integer", "bigint"):
            raise Hint(
                f"id is {id_type}: keep an integer primary key for the inside; the code is for the outside."
            )
        if code_type != "uuid":
            raise Hint(f"code is {code_type}: annotate it uuid.UUID, a 16-byte uuid column.")
        with engine.connect() as conn:
            try:
                codes = list(
                    conn.execute(
                        text(
                            "INSERT INTO coupon (label) VALUES ('spring'), ('summer'), ('été') RETURNING code"
                        )
                    ).scalars()
                )
            except DBAPIError:
                codes = [None]
            conn.rollback()
        if None in codes:
            raise Hint(
                "a coupon inserted with plain SQL got no code: default_factory runs only in Python; "
                "let the server make it with a server_default."
            )
        versions = {code.version for code in codes}
        if 7 in versions:
            raise Hint(
                "the codes are version 7: their first 48 bits say when each coupon was made. "
                "A public code should be random: gen_random_uuid() (version 4)."
            )
        if versions != {4} or len(set(codes)) != len(codes):
            raise Hint(
                f"the server made codes of version {sorted(versions)}: use gen_random_uuid() (version 4)."
            )
        if _accepts(engine, "INSERT INTO coupon (label, code) VALUES ('autumn', NULL)"):
            raise Hint(
                "a coupon with code NULL got through: a code must never be NULL (not uuid.UUID | None)."
            )
        duplicate = (
            "WITH first AS (INSERT INTO coupon (label) VALUES ('winter') RETURNING code) "
            "INSERT INTO coupon (label, code) SELECT 'winter again', code FROM first"
        )
        if _accepts(engine, duplicate):
            raise Hint("two coupons got the same code: make it unique (unique=True).")
    return "random v4 codes from the server, unique and never NULL; the integer id stays inside."


# --- exercise 4: meetings on a local day ----------------------------------------------------

MEETINGS = [  # instants in UTC; comments give the local times they probe
    "2026-03-29 12:00:00+00",  # everywhere on the 29th
    "2026-03-28 22:59:59+00",  # Paris 23:59:59 on the 28th
    "2026-03-28 23:00:00+00",  # Paris exactly midnight: the 29th
    "2026-03-29 00:30:00+00",  # UTC on the 29th; New York 20:30 on the 28th
    "2026-03-29 04:00:00+00",  # New York exactly midnight: the 29th
    "2026-03-29 21:59:59+00",  # Paris 23:59:59 on the 29th (summer time since 02:00)
    "2026-03-29 22:00:00+00",  # Paris exactly midnight: the 30th (a fixed +01:00 says the 29th)
    "2026-03-29 18:45:00+00",  # Kolkata 00:15 on the 30th (+05:30)
    "2026-03-30 03:30:00+00",  # New York 23:30 on the 29th
    "2026-03-29 12:00:00+00",  # a second meeting at the same instant as the first
]
DST_DAY, WINTER_DAY = (date(2026, 3, 29), "Europe/Paris"), (date(2026, 3, 28), "Europe/Paris")
CASES = [
    DST_DAY,
    WINTER_DAY,
    (date(2026, 3, 29), "America/New_York"),
    (date(2026, 3, 29), "UTC"),
    (date(2026, 3, 29), "Asia/Kolkata"),
    (date(2026, 4, 1), "Europe/Paris"),
]
LOCAL_DAY_REFERENCE = (
    "SELECT id FROM meeting WHERE (starts_at AT TIME ZONE :zone)::date = :day ORDER BY starts_at, id"
)
UTC_DAY = "SELECT id FROM meeting WHERE starts_at::date = :day ORDER BY starts_at, id"
INCLUSIVE_END = (
    "SELECT id FROM meeting WHERE starts_at AT TIME ZONE :zone BETWEEN :day AND :day + 1 "
    "ORDER BY starts_at, id"
)
MEETING_DDL = (
    "CREATE TABLE meeting (id serial PRIMARY KEY, starts_at timestamptz NOT NULL, "
    "starts_at_wall_clock timestamp, day date, reminder_at time, duration interval, "
    "created_at timestamptz NOT NULL DEFAULT now())"
)


@exercise("nb05-local-day", level=3)
def local_day(statement: Any) -> str:
    if isinstance(statement, str) and (":day" not in statement or ":zone" not in statement):
        raise Hint("use the two bound parameters :day and :zone in the query (no values pasted in).")
    with check_database() as engine:
        with engine.begin() as conn:
            conn.execute(text(MEETING_DDL))
            for starts_at in MEETINGS:
                conn.execute(
                    text("INSERT INTO meeting (starts_at) VALUES (CAST(:starts_at AS timestamptz))"),
                    {"starts_at": starts_at},
                )

        def run(query: Any, day: date, zone: str) -> list[tuple]:
            return learner_rows(engine, query, day=day, zone=zone)

        results = {case: (run(statement, *case), run(LOCAL_DAY_REFERENCE, *case)) for case in CASES}
        wrong = [case for case, (got, expected) in results.items() if got != expected]
        if not wrong:
            return (
                "each instant is read in the zone before its date is taken: midnights and clock changes too."
            )
        day, zone = case = wrong[0]
        got, expected = results[case]
        on = f"on {day.isoformat()} in {zone}"
        if any(len(row) != 1 for row in got):
            raise Hint("select the meeting's id only.")
        if sorted(got) == sorted(expected):
            raise Hint(f"the right meetings {on}, in another order: ORDER BY starts_at (then id).")
        if got == run(UTC_DAY, day, zone):
            raise Hint(
                f"{on} you returned the meetings of that day in UTC: convert each instant to the "
                "zone first (starts_at AT TIME ZONE :zone), then take its date."
            )
        if zone != "Europe/Paris" and got == run(LOCAL_DAY_REFERENCE, day, "Europe/Paris"):
            raise Hint(
                f"{on} you returned Paris's meetings: use the :zone parameter, not a zone of your own."
            )
        if case == DST_DAY and WINTER_DAY not in wrong:
            raise Hint(
                f"{on}, the day Paris moves its clocks, the result is wrong (the day before it is right): "
                "a fixed offset like +01:00 is not a time zone; let PostgreSQL apply :zone's rules."
            )
        if got == run(INCLUSIVE_END, day, zone):
            raise Hint(
                f"{on} a meeting at exactly midnight of the next day came back: a day is "
                ">= its midnight and < the next one (BETWEEN includes both ends)."
            )
        raise Hint(f"{on} your query returns ids {[row[0] for row in got]}; check midnight and the zone.")
