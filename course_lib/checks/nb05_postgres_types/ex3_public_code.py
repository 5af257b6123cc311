"""Exercise 3: a public code that tells nothing (``nb05-public-code``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from course_lib.checks.nb05_postgres_types.common import _accepts, _column_type, _create, _table
from course_lib.exercises import Hint, check_database, exercise


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
