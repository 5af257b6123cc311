"""Checks for notebooks/07_indexing.ipynb.

Every check works on a scratch database of its own (:func:`check_database`) holding a
``purchase`` table shaped like the notebook's, filled with other rows (50,000 of them, so
that the planner's choices are those of a real table): the learner's index is built
there and the plans PostgreSQL chooses are read, the learner's queries run there and
their rows are compared with the right ones. Nothing is matched as text, and a value
copied from the notebook's outputs cannot pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Index, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.schema import CreateIndex
from sqlalchemy.sql import Select

from course_lib.exercises import Hint, LearnerError, check_database, exercise, learner, learner_rows

PURCHASE_TABLE = """
CREATE TABLE purchase (
    id serial PRIMARY KEY,
    customer_id integer NOT NULL,
    email varchar NOT NULL,
    status varchar NOT NULL,
    total numeric(10, 2) NOT NULL,
    created_at timestamptz NOT NULL,
    tags text[] NOT NULL DEFAULT '{}',
    attrs jsonb NOT NULL DEFAULT '{}',
    note varchar
)"""

# 500 customers with 100 purchases each, one of them refunded; every minute a purchase.
FILL = """
INSERT INTO purchase (customer_id, email, status, total, created_at)
SELECT 1 + n % 500,
       'Buyer' || (1 + n % 500) || '@Shop.example',
       CASE WHEN (n / 500) % 100 < 55 THEN 'paid'
            WHEN (n / 500) % 100 < 80 THEN 'shipped'
            WHEN (n / 500) % 100 < 90 THEN 'cancelled'
            WHEN (n / 500) % 100 < 99 THEN 'pending'
            ELSE 'refunded' END,
       (n % 997) / 10.0,
       timestamptz '2024-03-01' + n * interval '1 minute'
FROM generate_series(0, 49999) AS n"""


@contextmanager
def _purchase_database(*extra_sql: str, fill: bool = True) -> Iterator[Engine]:
    """A scratch database with the check's ``purchase`` table (``fill``: 50,000 rows), then ``extra_sql``."""
    with check_database() as engine:
        with engine.begin() as conn:
            conn.execute(text(PURCHASE_TABLE))
            if fill:
                conn.execute(text(FILL))
            for statement in extra_sql:
                conn.execute(text(statement))
        yield engine


def _analyze(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("ANALYZE purchase"))


# --- reading plans ---------------------------------------------------------------------------


def _nodes(plan: dict) -> Iterator[dict]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _plan_of_sql(conn: Connection, sql: str) -> dict:
    """The plan of one of the check's own queries."""
    return conn.execute(text(f"EXPLAIN (FORMAT JSON) {sql}")).scalar_one()[0]["Plan"]


def _plan_of(conn: Connection, statement: Select) -> dict:
    """The plan of the learner's statement (its errors are the learner's)."""
    compiled = statement.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    try:
        document = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params).scalar_one()
    except SQLAlchemyError as error:
        raise LearnerError("query", error) from error
    return document[0]["Plan"]


def _index_scans(plan: dict, index_name: str) -> list[dict]:
    return [node for node in _nodes(plan) if node.get("Index Name") == index_name]


def _sorts(plan: dict) -> bool:
    return any(node["Node Type"] in ("Sort", "Incremental Sort") for node in _nodes(plan))


def _how_read(plan: dict) -> str:
    """The scan nodes of a plan, e.g. 'Seq Scan' or 'Index Scan using x'."""
    scans = [
        node["Node Type"] + (f" using {node['Index Name']}" if "Index Name" in node else "")
        for node in _nodes(plan)
        if "Scan" in node["Node Type"]
    ]
    return ", ".join(scans) or plan["Node Type"]


# --- the learner's Index ----------------------------------------------------------------------


@dataclass
class _BuiltIndex:
    name: str
    method: str
    columns: list[str]  # key columns (or expressions), in order, as PostgreSQL writes them
    predicate: str | None  # the WHERE of a partial index


def _check_index_object(answer: Any) -> None:
    if not isinstance(answer, Index):
        raise Hint(f"answer with a sqlalchemy Index(...) object, not {type(answer).__name__}.")
    if answer.table is None:
        raise Hint(
            "this Index is not attached to a table: pass the columns as Purchase.customer_id, ... "
            "(or declare it in the model's __table_args__)."
        )
    if answer.table.name != "purchase":
        raise Hint(f"declare the index on the purchase table, not on {answer.table.name!r}.")


def _build_learner_index(engine: Engine, answer: Any) -> _BuiltIndex:
    """Create the learner's ``Index(...)`` on the scratch ``purchase`` table; read it from the catalog."""
    _check_index_object(answer)
    try:
        with engine.begin() as conn:
            conn.execute(CreateIndex(answer))
    except SQLAlchemyError as error:
        raise LearnerError("index", error) from error
    _analyze(engine)
    with engine.connect() as conn:
        row = conn.execute(
            text("""
            SELECT c.relname, am.amname, pg_get_expr(i.indpred, i.indrelid),
                   array(SELECT pg_get_indexdef(i.indexrelid, k, true)
                         FROM generate_series(1, i.indnkeyatts) AS k ORDER BY k)
            FROM pg_index AS i
            JOIN pg_class AS c ON c.oid = i.indexrelid
            JOIN pg_am AS am ON am.oid = c.relam
            WHERE i.indrelid = 'purchase'::regclass AND NOT i.indisprimary
            """)
        ).one()
    return _BuiltIndex(row[0], row[1], list(row[3]), row[2])


def _not_btree(index: _BuiltIndex) -> Hint:
    return Hint(
        f"this is a {index.method.upper()} index: only a B-tree keeps its entries in order, which is what "
        "lets a scan hand rows over sorted. Leave postgresql_using out."
    )


# --- Exercise 1: a partial unique index ---------------------------------------------------------

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


# --- Exercise 2: a case-insensitive lookup that uses the expression index ---------------------

EMAIL_ROWS = """
INSERT INTO purchase (customer_id, email, status, total, created_at) VALUES
    (8001, 'Ann@Example.com', 'paid', 10, '2024-05-01'),
    (8001, 'ann@example.COM', 'paid', 11, '2024-05-02'),
    (8001, 'ANN@EXAMPLE.COM', 'shipped', 12, '2024-05-03'),
    (8002, 'anna@example.com', 'paid', 13, '2024-05-04'),
    (8003, 'a_b@example.com', 'paid', 14, '2024-05-05'),
    (8004, 'axb@example.com', 'paid', 15, '2024-05-06'),
    (8005, 'jo@Example.com', 'paid', 16, '2024-05-07'),
    (8006, 'mojo@example.com', 'paid', 17, '2024-05-08'),
    (8007, 'Zoë@Café.example', 'paid', 18, '2024-05-09'),
    (8007, 'ZOË@CAFÉ.EXAMPLE', 'paid', 19, '2024-05-10')
"""
#: What a learner types, in the order they are tried.
TYPED_EMAILS = [
    "ann@example.com",
    "ANN@Example.COM",
    "A_B@example.com",
    "JO@example.com",
    "zoë@café.example",
    "buyer42@SHOP.example",
    "nobody@example.com",
]
EMAIL_INDEX = "purchase_email_lower_idx"


def _selected_ids(conn: Connection, statement: Any) -> list[int]:
    """The ``id`` of every row the learner's statement returns, sorted."""
    if not isinstance(statement, Select):
        raise Hint(
            f"your function should return a select(Purchase)... statement, not {type(statement).__name__}."
        )
    if "id" not in statement.selected_columns.keys():
        raise Hint("select whole purchases, select(Purchase), so that every column (the id too) comes back.")
    subquery = statement.subquery()
    return sorted(row[0] for row in learner_rows(conn, select(subquery.c.id)))


def _emails(conn: Connection, ids: set[int]) -> list[str]:
    found = conn.execute(
        text("SELECT DISTINCT email FROM purchase WHERE id = ANY(:ids) ORDER BY 1"), {"ids": list(ids)}
    )
    return list(found.scalars())


@exercise("nb07-email-lookup", level=2)
def email_lookup(answer: Any) -> str:
    if not callable(answer):
        raise Hint("answer with your function itself: answer_2 = purchases_for_email (no parentheses).")
    with _purchase_database(EMAIL_ROWS, f"CREATE INDEX {EMAIL_INDEX} ON purchase (lower(email))") as engine:
        _analyze(engine)
        with engine.connect() as conn:
            # lower() folds non-ASCII letters as Python's str.lower() does, unless the database's
            # LC_CTYPE is "C": there, the two ways of lowering the typed text would disagree on 'ë'.
            folds = conn.execute(text("SELECT lower('ZOË') = 'zoë'")).scalar_one()
            for typed in TYPED_EMAILS if folds else [typed for typed in TYPED_EMAILS if typed.isascii()]:
                got = set(_selected_ids(conn, learner(answer, typed)))
                expected = set(
                    conn.execute(
                        text("SELECT id FROM purchase WHERE lower(email) = lower(:typed)"), {"typed": typed}
                    ).scalars()
                )
                if got - expected:
                    raise Hint(
                        f"for {typed!r} your query also returned the purchases of "
                        f"{_emails(conn, got - expected)}. LIKE and ILIKE read _ and % as wildcards, and "
                        "contains() matches a part of the text: compare whole emails with ==, in lower case "
                        "on both sides."
                    )
                if expected - got:
                    missed = _emails(conn, expected - got)
                    if typed == typed.lower():
                        raise Hint(
                            f"for {typed!r} your query missed {missed}: the stored emails have capitals. "
                            "Compare func.lower(Purchase.email), the expression the index stores."
                        )
                    raise Hint(
                        f"for {typed!r} your query missed {missed}: lower the typed email too "
                        "(typed.lower() or func.lower(typed)), so that both sides are in lower case."
                    )
            plan = _plan_of(conn, learner(answer, "Buyer42@Shop.example"))
        if not _index_scans(plan, EMAIL_INDEX):
            raise Hint(
                f"the right rows, but PostgreSQL read them with {_how_read(plan)}, not the index on "
                "lower(email): the condition must use the index's own expression, "
                "func.lower(Purchase.email) == ... (upper(), ILIKE or a cast cannot use it)."
            )
    return "whatever the case typed, lower(email) = lower(typed) finds the purchases through the index."


# --- Exercise 3: the composite index for the support team ------------------------------------

SUPPORT_QUERY = (
    "SELECT * FROM purchase WHERE customer_id = {customer} AND status = '{status}' "
    "ORDER BY created_at DESC LIMIT 10"
)
SUPPORT_PROBES = [(7, "shipped"), (311, "paid")]  # 25 and 55 rows: more than the LIMIT


@exercise("nb07-support-index", level=2)
def support_index(answer: Any) -> str:
    with _purchase_database() as engine:
        index = _build_learner_index(engine, answer)
        with engine.connect() as conn:
            plans = [
                _plan_of_sql(conn, SUPPORT_QUERY.format(customer=customer, status=status))
                for customer, status in SUPPORT_PROBES
            ]
    if index.method != "btree":
        raise _not_btree(index)
    filtered: set[str] = set()  # equality columns checked after the index, not in it
    for (customer, status), plan in zip(SUPPORT_PROBES, plans, strict=True):
        scans = _index_scans(plan, index.name)
        if not scans:
            if index.predicate is not None:
                raise Hint(
                    f"for status '{status}' PostgreSQL could not use your index: it is partial "
                    f"(where {index.predicate}), but the status changes from one call to the next."
                )
            raise Hint(
                f"PostgreSQL did not use your index for customer {customer} and status '{status}' "
                f"({_how_read(plan)}): index the columns the query compares with = and the one it sorts by."
            )
        if _sorts(plan):
            raise Hint(
                "the plan sorts the rows (a Sort node): put created_at in the index, after the columns "
                "compared with =, so that one customer's entries of one status come in created_at order."
            )
        condition = scans[0].get("Index Cond", "")
        filtered.update(column for column in ("customer_id", "status") if column not in condition)
    if filtered:
        column, other = ("status", "customer_id") if "status" in filtered else ("customer_id", "status")
        raise Hint(
            f"{column} is checked row by row after the index (a Filter in the plan), so the scan reads "
            f"rows it then throws away: add {column} to the index, next to {other}."
        )
    positions = {column: index.columns.index(column) for column in ("customer_id", "status", "created_at")}
    if positions["created_at"] < max(positions["customer_id"], positions["status"]):
        raise Hint(
            "created_at comes before a column compared with =: the scan then walks through the customer's "
            "purchases of every status to find 10 of one. Both equality columns first, then created_at."
        )
    return "equality columns first (in either order), then created_at: read backward, no sort, no filter."


# --- Exercise 4: a case-insensitive prefix search that uses an index ---------------------------

PREFIX_ROWS = """
INSERT INTO purchase (customer_id, email, status, total, created_at) VALUES
    (8101, 'Ann@Example.com', 'paid', 10, '2024-05-01'),
    (8101, 'ann@example.COM', 'paid', 11, '2024-05-02'),
    (8102, 'ANNA@example.com', 'shipped', 12, '2024-05-03'),
    (8103, 'bo.ann@example.com', 'paid', 13, '2024-05-04'),
    (8104, 'a_b@example.com', 'paid', 14, '2024-05-05'),
    (8105, 'axb@example.com', 'paid', 15, '2024-05-06'),
    (8106, '50%off@deals.example', 'paid', 16, '2024-05-07'),
    (8107, '50x@deals.example', 'paid', 17, '2024-05-08'),
    (8108, 'Zoë@Café.example', 'paid', 18, '2024-05-09'),
    (8108, 'ZOËLLE@example.com', 'paid', 19, '2024-05-10')
"""
#: What a learner types into the search box, in the order they are tried.
TYPED_PREFIXES = ["ann", "ANN@", "a_b", "50%", "Buyer42", "zoë", "nobody"]
PREFIX_INDEX = "purchase_email_lower_pattern_idx"


@exercise("nb07-email-prefix", level=2)
def email_prefix(answer: Any) -> str:
    if not callable(answer):
        raise Hint("answer with your function itself: answer_4 = emails_starting_with (no parentheses).")
    index_sql = f"CREATE INDEX {PREFIX_INDEX} ON purchase (lower(email) text_pattern_ops)"
    with _purchase_database(PREFIX_ROWS, index_sql) as engine:
        _analyze(engine)
        with engine.connect() as conn:
            folds = conn.execute(text("SELECT lower('ZOË') = 'zoë'")).scalar_one()
            for typed in TYPED_PREFIXES if folds else [typed for typed in TYPED_PREFIXES if typed.isascii()]:
                got = set(_selected_ids(conn, learner(answer, typed)))
                expected = set(
                    conn.execute(
                        text("SELECT id FROM purchase WHERE left(lower(email), length(:t)) = lower(:t)"),
                        {"t": typed},
                    ).scalars()
                )
                if got - expected:
                    extra = _emails(conn, got - expected)
                    if "_" in typed or "%" in typed:
                        raise Hint(
                            f"for {typed!r} your query also returned {extra}: LIKE reads _ and % in the "
                            "typed text as wildcards. startswith(..., autoescape=True) escapes them."
                        )
                    raise Hint(
                        f"for {typed!r} your query also returned {extra}: the email must START with the "
                        "typed text (startswith, LIKE 'text%'), not contain it."
                    )
                if expected - got:
                    missed = _emails(conn, expected - got)
                    if typed == typed.lower():
                        raise Hint(
                            f"for {typed!r} your query missed {missed}: the stored emails have capitals. "
                            "Search func.lower(Purchase.email), the expression the index stores."
                        )
                    raise Hint(
                        f"for {typed!r} your query missed {missed}: lower the typed text too "
                        "(typed.lower()), so that both sides are in lower case."
                    )
            plan = _plan_of(conn, learner(answer, "Buyer42"))
        if not _index_scans(plan, PREFIX_INDEX):
            raise Hint(
                f"the right rows, but PostgreSQL read them with {_how_read(plan)}, not the index on "
                "lower(email) text_pattern_ops. ILIKE (istartswith) cannot use a B-tree; LIKE with a "
                "constant prefix on the index's own expression can: "
                "func.lower(Purchase.email).startswith(...)."
            )
    return (
        "lower(email) LIKE 'prefix%' with the wildcards escaped: the right rows, through the pattern index."
    )


# --- Exercise 5: keyset pagination --------------------------------------------------------------

# Customer 9001's purchases: several share a created_at, across the page boundaries; 9002 has none.
PAGED_HOURS = [10, 10, 10, 10, 10, 10, 9, 9, 8, 7, 7, 7, 6, 5, 4, 4, 3, 2, 2, 2, 2, 1, 0]
PAGED_ROWS = "\n".join(
    [
        "INSERT INTO purchase (customer_id, email, status, total, created_at) VALUES",
        ",\n".join(
            f"(9001, 'pager@example.com', 'paid', {n + 1}, "
            f"timestamptz '2024-06-01' + interval '{hours} hours')"
            for n, hours in enumerate(PAGED_HOURS)
        ),
    ]
)
PAGE_INDEX = "purchase_customer_created_id_idx"


def _walk(conn: Connection, answer: Any, customer: int, size: int) -> list[list[tuple[Any, int]]]:
    """Page through a customer's purchases with the learner's function: each page's (created_at, id)."""
    pages: list[list[tuple[Any, int]]] = []
    after = None
    seen: set[int] = set()
    for _ in range(40):
        statement = learner(answer, customer, after, size)
        if not isinstance(statement, Select):
            raise Hint(
                f"next_page should return a select(Purchase)... statement, not {type(statement).__name__}."
            )
        names = list(statement.selected_columns.keys())
        if "id" not in names or "created_at" not in names:
            raise Hint("select whole purchases, select(Purchase), so that id and created_at come back.")
        rows = learner_rows(conn, statement)
        page = [(row[names.index("created_at")], row[names.index("id")]) for row in rows]
        if not page:
            return pages
        if len(page) > size:
            raise Hint(f"asked for pages of {size}, a page came with {len(page)} rows: .limit(size).")
        repeated = sorted(seen & {row_id for _, row_id in page})
        if repeated:
            raise Hint(
                f"purchases {repeated} came back on two pages: a page starts strictly after the previous "
                "page's last row (<, not <=), and must use `after`."
            )
        seen.update(row_id for _, row_id in page)
        pages.append(page)
        after = page[-1]
    raise Hint("after 40 pages the purchases had not run out: each page must start after `after`.")


@exercise("nb07-keyset-page", level=3)
def keyset_page(answer: Any) -> str:
    if not callable(answer):
        raise Hint("answer with your function itself: answer_5 = next_page (no parentheses).")
    index_sql = f"CREATE INDEX {PAGE_INDEX} ON purchase (customer_id, created_at, id)"
    with _purchase_database(PAGED_ROWS, index_sql) as engine:
        _analyze(engine)
        with engine.connect() as conn:
            expected = [
                (created_at, row_id)
                for created_at, row_id in conn.execute(
                    text(
                        "SELECT created_at, id FROM purchase WHERE customer_id = 9001 "
                        "ORDER BY created_at DESC, id DESC"
                    )
                )
            ]
            first_page = learner_rows(conn, _checked_select(learner(answer, 9002, None, 5)))
            if first_page:
                raise Hint(
                    "customer 9002 has no purchases, yet the first page held rows: filter on the customer."
                )
            for size in (5, 7):
                pages = _walk(conn, answer, 9001, size)
                got = [row for page in pages for row in page]
                if any(len(page) < size for page in pages[:-1]):
                    raise Hint(f"with size={size} a page before the last held fewer rows: each page is full.")
                if got == expected:
                    continue
                if sorted(got) == sorted(expected):
                    if [t for t, _ in got] == [t for t, _ in expected]:
                        raise Hint(
                            "purchases made at the same moment came in another order: break ties with the "
                            "id, order_by(created_at.desc(), id.desc()), and compare the same pair."
                        )
                    raise Hint("newest first: order by created_at descending (then id descending).")
                missing = [row for row in expected if row not in got]
                boundary_times = {page[-1][0] for page in pages}
                if any(created_at in boundary_times for created_at, _ in missing):
                    raise Hint(
                        f"with size={size}, purchases made at the same moment as a page's last row were "
                        "lost: created_at < after alone skips them. Compare the pair (created_at, id) in one "
                        "go: tuple_(Purchase.created_at, Purchase.id) < tuple_(*after)."
                    )
                raise Hint(f"with size={size} the pages missed {len(missing)} of the customer's purchases.")
            second = _checked_select(learner(answer, 9001, expected[4], 5))
            plan = _plan_of(conn, second)
    scans = _index_scans(plan, PAGE_INDEX)
    if _sorts(plan) or not scans:
        how = "sorts the rows" if _sorts(plan) else f"reads them with {_how_read(plan)}"
        raise Hint(
            f"right pages, but PostgreSQL {how}: with the index on (customer_id, created_at, id), order by "
            "exactly those columns, newest first (created_at.desc(), id.desc()), so that a backward index "
            "scan hands over each page in order."
        )
    if "created_at" not in scans[0].get("Index Cond", ""):
        raise Hint(
            "right pages, but the scan starts at the customer's newest purchase and filters its way down to "
            "`after` (a Filter in the plan), like an OFFSET. Write the key as one row comparison, "
            "tuple_(Purchase.created_at, Purchase.id) < tuple_(*after), which the index can start from."
        )
    return "keyset pagination: each page starts in the index right after the last row, ties included."


def _checked_select(statement: Any) -> Select:
    if not isinstance(statement, Select):
        raise Hint(
            f"next_page should return a select(Purchase)... statement, not {type(statement).__name__}."
        )
    return statement
