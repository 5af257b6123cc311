"""Exercise 1: products with none of some tags (``nb05-tags-none``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from course_lib.exercises import Hint, check_database, exercise, learner_rows

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
