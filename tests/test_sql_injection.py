"""The safe query pattern of 04_raw_sql, fed hostile input, against a real table.

The notebook's pattern is ``text("... WHERE owner = :owner")`` with the value passed
as a bound parameter (``session.execute(query, {"owner": owner})``), and ``:owner``
in the ``%sql`` magic. Every hostile string here must travel as plain data: the table
survives, the other rows are unchanged, and the string comes back byte for byte.
The f-string version is run too, to prove the inputs really are hostile.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session

from course_lib import notebook_database, setup_sql_magic

HOSTILE = [
    "'",
    "''",
    "ada' OR '1'='1",
    "ada' OR 1=1 --",
    "x'; DROP TABLE secret_note; --",
    "x'); DROP TABLE secret_note; --",
    'x"; DROP TABLE secret_note; --',
    "ada'/*",
    "*/ OR 1=1 /*",
    "-- just a comment",
    "ada' --",
    "\\",
    "\\'; DROP TABLE secret_note; --",
    "back\\slash\\n and \\x27",
    "E'\\x27; DROP TABLE secret_note; --'",
    "$$; DROP TABLE secret_note; $$",
    "$tag$ x $tag$",
    ":owner",
    "%(owner)s",
    "%s",
    "{owner}",
    "ʼ; DROP TABLE secret_note; --",  # U+02BC MODIFIER LETTER APOSTROPHE
    "＇ OR ＇1＇=＇1",  # fullwidth apostrophes
    "Ωmega ≈ çédille √ 🙂'; --",
    "line one\nline two'; DROP TABLE secret_note; --",
    "tab\there\r\n",
    " leading and trailing spaces ",
    "' UNION SELECT current_user --",
    "'; COMMIT; DROP TABLE secret_note; --",
    "x' ; SELECT pg_sleep(0); --",
]
BASELINE = [("ada", "ada's salary review"), ("bob", "bob's door code")]

SELECT_BY_OWNER = text("SELECT body FROM secret_note WHERE owner = :owner ORDER BY id")
INSERT_NOTE = text("INSERT INTO secret_note (owner, body) VALUES (:owner, :body)")
DELETE_BY_OWNER = text("DELETE FROM secret_note WHERE owner = :owner")
TABLE_EXISTS = text("SELECT to_regclass('secret_note') IS NOT NULL")
ALL_ROWS = text("SELECT owner, body FROM secret_note ORDER BY id")


def notes_safe(session: Session, owner: str) -> list[str]:
    """The notebook's safe lookup."""
    return list(session.execute(SELECT_BY_OWNER, {"owner": owner}).scalars())


def notes_unsafe(session: Session, owner: str) -> list[str]:
    """The notebook's unsafe lookup (only for the control test)."""
    return list(
        session.execute(text(f"SELECT body FROM secret_note WHERE owner = '{owner}' ORDER BY id")).scalars()
    )


@pytest.fixture(scope="module")
def db():
    return notebook_database("test_sql_injection")


@pytest.fixture
def engine(db):
    engine = create_engine(db.url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS secret_note"))
        conn.execute(
            text("CREATE TABLE secret_note (id serial PRIMARY KEY, owner text NOT NULL, body text NOT NULL)")
        )
        conn.execute(INSERT_NOTE, [{"owner": owner, "body": body} for owner, body in BASELINE])
    yield engine
    engine.dispose()


def test_inputs_are_nul_free():
    assert all("\x00" not in value for value in HOSTILE)
    assert len(set(HOSTILE)) == len(HOSTILE)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_lookup_finds_nothing_and_changes_nothing(engine, hostile):
    with Session(engine) as session:
        assert notes_safe(session, hostile) == []
        session.commit()
        assert session.execute(TABLE_EXISTS).scalar_one()
        assert [tuple(row) for row in session.execute(ALL_ROWS)] == BASELINE


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_value_round_trips_literally(engine, hostile):
    with Session(engine) as session:
        session.execute(INSERT_NOTE, {"owner": hostile, "body": f"note for {hostile}"})
        session.commit()
        assert notes_safe(session, hostile) == [f"note for {hostile}"]
        stored = session.execute(
            text("SELECT owner FROM secret_note WHERE body = :b"), {"b": f"note for {hostile}"}
        )
        assert stored.scalar_one() == hostile  # byte for byte, no escaping left behind
        assert [tuple(row) for row in session.execute(ALL_ROWS)][:2] == BASELINE

        deleted = session.execute(DELETE_BY_OWNER, {"owner": hostile})
        session.commit()
        assert deleted.rowcount == 1  # only the hostile row matched
        assert session.execute(TABLE_EXISTS).scalar_one()
        assert [tuple(row) for row in session.execute(ALL_ROWS)] == BASELINE


def test_all_hostile_values_at_once_with_executemany(engine):
    with Session(engine) as session:
        session.execute(INSERT_NOTE, [{"owner": value, "body": "bulk"} for value in HOSTILE])
        session.commit()
        stored = session.execute(text("SELECT owner FROM secret_note WHERE body = 'bulk' ORDER BY id"))
        assert list(stored.scalars()) == HOSTILE
        assert [tuple(row) for row in session.execute(ALL_ROWS)][:2] == BASELINE


def test_sql_magic_binds_hostile_values(db, engine):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        setup_sql_magic(db, shell)
        for hostile in HOSTILE:
            shell.user_ns["owner"] = hostile
            frame = shell.run_line_magic("sql", "SELECT body FROM secret_note WHERE owner = :owner")
            assert len(frame) == 0, hostile
        shell.user_ns["owner"] = "ada"
        frame = shell.run_line_magic("sql", "SELECT body FROM secret_note WHERE owner = :owner")
        assert frame["body"].tolist() == ["ada's salary review"]
    finally:
        InteractiveShell.clear_instance()
    with Session(engine) as session:
        assert session.execute(TABLE_EXISTS).scalar_one()
        assert [tuple(row) for row in session.execute(ALL_ROWS)] == BASELINE


def test_control_the_unsafe_version_is_really_subverted(engine):
    """Without this, a lookup that ignored its input would pass the tests above."""
    with Session(engine) as session:
        assert notes_unsafe(session, "ada' OR '1'='1") == [body for _, body in BASELINE]
        session.commit()
        notes_unsafe(session, "x'; DROP TABLE secret_note; --")
        session.commit()
        assert not session.execute(TABLE_EXISTS).scalar_one()
