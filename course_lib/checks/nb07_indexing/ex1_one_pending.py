"""Exercise 1: a partial unique index (``nb07-one-pending``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.schema import CreateIndex

from course_lib.checks.nb07_indexing.common import _check_index_object, _purchase_database
from course_lib.exercises import Hint, LearnerError, exercise

ONE_PENDING_ROWS = """
INSERT INTO purchase (customer_id, email, status, total, created_at) VALUES
    (1, 'one@example.com', 'paid', 10, '2024-05-01'),
    (1, 'one@example.com', 'paid', 11, '2024-05-02'),
    (1, 'one@example.com', 'shipped', 12, '2024-05-03'),
    (1, 'one@example.com', 'pending', 13, '2024-05-04'),
    (2, 'two@example.com', 'pending', 14, '2024-05-05'),
    (3, 'three@example.com', 'cancelled', 15, '2024-05-06'),
    (3, 'three@example.com', 'cancelled', 16, '2024-05-07')
"""


def _accepted(engine: Engine, customer: int, status: str) -> bool:
    """Whether the table takes one more purchase of ``customer`` in ``status`` (it is kept if so)."""
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO purchase (customer_id, email, status, total, created_at) "
                    "VALUES (:customer, 'probe@example.com', :status, 1, now())"
                ),
                {"customer": customer, "status": status},
            )
    except IntegrityError:
        return False
    return True


@exercise("nb07-one-pending", level=1)
def one_pending(answer: Any) -> str:
    _check_index_object(answer)
    with _purchase_database(ONE_PENDING_ROWS, fill=False) as engine:
        try:
            with engine.begin() as conn:
                conn.execute(CreateIndex(answer))
        except IntegrityError:
            raise Hint(
                "PostgreSQL could not build your index on a table where every customer has at most one "
                "pending purchase (customer 1 has two paid ones): it forbids more than it should. Only the "
                "pending purchases must be unique per customer: postgresql_where=..."
            ) from None
        except SQLAlchemyError as error:
            raise LearnerError("index", error) from error
        if _accepted(engine, 1, "pending"):
            raise Hint(
                "a second pending purchase of customer 1 was accepted: the index must be unique "
                "(unique=True), and hold only the pending purchases (postgresql_where=...)."
            )
        for customer, status in [
            (3, "pending"),
            (4, "pending"),
            (2, "paid"),
            (2, "paid"),
            (2, "refunded"),
            (2, "refunded"),
        ]:
            if not _accepted(engine, customer, status):
                raise Hint(
                    f"a {status} purchase of customer {customer} was refused, though it breaks no rule: the "
                    "index must be unique per customer, over the pending purchases only."
                )
    return "a unique index over the pending purchases alone: PostgreSQL refuses the second one itself."
