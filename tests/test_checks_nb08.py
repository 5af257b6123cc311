"""The checks of 08_migrations: each runs a revision's (upgrade, downgrade) on a scratch database.

For every exercise: the reference solution passes, and each plausible wrong migration gets the
hint meant for it (asserted by its text).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from helpers import assert_hint, assert_learner_error, assert_not_answered, assert_passes

# --- nb08-book-language ----------------------------------------------------------------------


def drop_language():
    op.drop_column("book", "language")


def language(**column_options):
    def upgrade():
        op.add_column("book", sa.Column("language", sa.String(), **column_options))

    return upgrade


def language_then_no_default(**column_options):
    """The reference: server_default fills the existing rows, then the default goes."""
    add = language(**column_options)

    def upgrade():
        add()
        op.alter_column("book", "language", server_default=None)

    return upgrade


def test_book_language_reference_passes():
    assert_passes(
        "nb08-book-language", (language_then_no_default(server_default="en", nullable=False), drop_language)
    )


def test_book_language_the_three_step_recipe_passes_too():
    def upgrade():
        op.add_column("book", sa.Column("language", sa.String(), nullable=True))
        op.execute("UPDATE book SET language = 'en'")
        op.alter_column("book", "language", nullable=False)

    assert_passes("nb08-book-language", (upgrade, drop_language))


def test_book_language_keeps_the_default():
    assert_hint(
        "nb08-book-language",
        (language(server_default="en", nullable=False), drop_language),
        contains="new books must say their language",
    )


def test_book_language_a_python_side_default():
    assert_hint(
        "nb08-book-language",
        (language(default="en", nullable=False), drop_language),
        contains="server_default",
    )
    assert_hint("nb08-book-language", (language(default="en"), drop_language), contains="Python-side default")


def test_book_language_quotes_inside_the_default():
    assert_hint(
        "nb08-book-language",
        (language_then_no_default(server_default="'en'", nullable=False), drop_language),
        contains="adds the quotes",
    )


def test_book_language_other_value():
    assert_hint(
        "nb08-book-language",
        (language_then_no_default(server_default="EN", nullable=False), drop_language),
        contains="['EN']",
    )


def test_book_language_nullable():
    assert_hint(
        "nb08-book-language", (language(server_default="en"), drop_language), contains="nullable=False"
    )


def test_book_language_no_downgrade():
    def downgrade():
        pass

    assert_hint(
        "nb08-book-language",
        (language_then_no_default(server_default="en", nullable=False), downgrade),
        contains="still has its language column",
    )


def test_book_language_shapes_and_errors():
    assert_not_answered("nb08-book-language", ...)
    assert_hint(
        "nb08-book-language", "ALTER TABLE book ADD COLUMN language varchar", contains="two functions"
    )
    assert_hint("nb08-book-language", (drop_language, "DROP COLUMN language"), contains="downgrade part")

    def typo():
        op.add_colum("book", sa.Column("language", sa.String()))

    assert_learner_error("nb08-book-language", (typo, drop_language), contains="your code raised")


# --- nb08-cents-to-euros ---------------------------------------------------------------------


def euros_in_place(using: str, type_=None):
    def upgrade():
        op.alter_column("book", "price_cents", type_=type_ or sa.Numeric(10, 2), postgresql_using=using)
        op.alter_column("book", "price_cents", new_column_name="price")

    return upgrade


def cents_back():
    op.alter_column("book", "price", new_column_name="price_cents")
    op.alter_column(
        "book", "price_cents", type_=sa.Integer(), postgresql_using="(price_cents * 100)::integer"
    )


def test_cents_to_euros_reference_passes():
    assert_passes("nb08-cents-to-euros", (euros_in_place("price_cents / 100.0"), cents_back))


def test_cents_to_euros_copied_with_an_update_passes_too():
    def upgrade():
        op.add_column("book", sa.Column("price", sa.Numeric(10, 2)))
        op.execute("UPDATE book SET price = price_cents / 100.0")
        op.drop_column("book", "price_cents")

    def downgrade():
        op.add_column("book", sa.Column("price_cents", sa.Integer()))
        op.execute("UPDATE book SET price_cents = price * 100")
        op.drop_column("book", "price")

    assert_passes("nb08-cents-to-euros", (upgrade, downgrade))


def test_cents_to_euros_drop_and_add_loses_the_values():
    def upgrade():
        op.add_column("book", sa.Column("price", sa.Numeric(10, 2)))
        op.drop_column("book", "price_cents")

    assert_hint("nb08-cents-to-euros", (upgrade, cents_back), contains="values were lost")


def test_cents_to_euros_integer_division():
    assert_hint(
        "nb08-cents-to-euros", (euros_in_place("price_cents / 100"), cents_back), contains="integer division"
    )


def test_cents_to_euros_not_divided():
    assert_hint("nb08-cents-to-euros", (euros_in_place("price_cents"), cents_back), contains="still in cents")


def test_cents_to_euros_wrong_type():
    assert_hint(
        "nb08-cents-to-euros",
        (euros_in_place("price_cents / 100.0", sa.Float()), cents_back),
        contains="NUMERIC(10, 2)",
    )


def test_cents_to_euros_downgrade_keeps_numeric():
    def downgrade():
        op.alter_column("book", "price", new_column_name="price_cents")

    assert_hint(
        "nb08-cents-to-euros", (euros_in_place("price_cents / 100.0"), downgrade), contains="an integer again"
    )


def test_cents_to_euros_downgrade_forgets_to_multiply():
    def downgrade():
        op.alter_column("book", "price", new_column_name="price_cents")
        op.alter_column("book", "price_cents", type_=sa.Integer(), postgresql_using="price_cents::integer")

    assert_hint(
        "nb08-cents-to-euros", (euros_in_place("price_cents / 100.0"), downgrade), contains="not as they were"
    )


def test_cents_to_euros_rename_only():
    def upgrade():
        op.alter_column("book", "price_cents", new_column_name="price")

    assert_hint("nb08-cents-to-euros", (upgrade, cents_back), contains="NUMERIC(10, 2)")


# --- nb08-rename-format ----------------------------------------------------------------------


def rename_value(old: str, new: str):
    def migrate():
        op.execute(f"ALTER TYPE bookformat RENAME VALUE '{old}' TO '{new}'")

    return migrate


def test_rename_format_reference_passes():
    assert_passes(
        "nb08-rename-format", (rename_value("paperback", "softcover"), rename_value("softcover", "paperback"))
    )


def recreate(old_labels: list[str], new_labels: list[str], columns: list[str]):
    """The notebook's way to remove a value: a new type, each column converted, the old type dropped."""
    mapping = " ".join(f"WHEN '{o}' THEN '{n}'" for o, n in zip(old_labels, new_labels, strict=True))

    def migrate():
        op.execute("ALTER TYPE bookformat RENAME TO bookformat_old")
        op.execute(f"CREATE TYPE bookformat AS ENUM ({', '.join(repr(n) for n in new_labels)})")
        for table in columns:
            op.execute(
                f"ALTER TABLE {table} ALTER COLUMN format TYPE bookformat "
                f"USING (CASE format::text {mapping} END)::bookformat"
            )
        op.execute("DROP TYPE bookformat_old")

    return migrate


OLD = ["hardcover", "paperback", "ebook"]
NEW = ["hardcover", "softcover", "ebook"]


def test_rename_format_recreating_the_type_for_every_column_passes():
    both = ["book", "edition"]
    assert_passes("nb08-rename-format", (recreate(OLD, NEW, both), recreate(NEW, OLD, both)))


def test_rename_format_forgets_the_other_table():
    assert_hint(
        "nb08-rename-format", (recreate(OLD, NEW, ["book"]), recreate(NEW, OLD, ["book"])), contains="edition"
    )


def test_rename_format_add_value_then_update():
    def upgrade():
        op.execute("ALTER TYPE bookformat ADD VALUE 'softcover'")
        op.execute("UPDATE book SET format = 'softcover' WHERE format = 'paperback'")

    assert_hint("nb08-rename-format", (upgrade, rename_value("softcover", "paperback")), contains="ADD VALUE")


def test_rename_format_keeps_the_old_value():
    def upgrade():
        op.execute("ALTER TYPE bookformat RENAME VALUE 'paperback' TO 'softcover'")
        op.execute("ALTER TYPE bookformat ADD VALUE 'paperback'")

    assert_hint(
        "nb08-rename-format", (upgrade, rename_value("softcover", "paperback")), contains="still offers"
    )


def test_rename_format_no_downgrade():
    def downgrade():
        pass

    assert_hint(
        "nb08-rename-format",
        (rename_value("paperback", "softcover"), downgrade),
        contains="after downgrade()",
    )


def test_rename_format_hard_coded_ids():
    """Rows picked by the ids the learner saw elsewhere, not by their format."""
    upgrade = recreate(OLD, NEW, ["book", "edition"])

    def upgrade_by_ids():
        upgrade()
        op.execute("UPDATE book SET format = 'hardcover' WHERE id IN (2, 5)")
        op.execute("UPDATE book SET format = 'softcover' WHERE id IN (1, 3)")

    assert_hint(
        "nb08-rename-format",
        (upgrade_by_ids, recreate(NEW, OLD, ["book", "edition"])),
        contains="every paperback should be a softcover",
    )
