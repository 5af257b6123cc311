"""URL handling: accepted spellings, rejected ones, driver URLs, and password masking."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from course_lib import CourseServer, CourseSetupError
from course_lib.databases import describe
from course_lib.urls import asyncpg_url, libpq_url, mask_text, mask_url, parse_database_url

SECRET = "s3cr3t-Pa55"


@pytest.mark.parametrize(
    "raw",
    [
        f"postgresql://alice:{SECRET}@db.example:5433/shop",
        f"postgres://alice:{SECRET}@db.example:5433/shop",
        f"postgresql+psycopg://alice:{SECRET}@db.example:5433/shop",
        f"postgresql+asyncpg://alice:{SECRET}@db.example:5433/shop",
        f"postgresql+psycopg2://alice:{SECRET}@db.example:5433/shop",
        f"  postgresql://alice:{SECRET}@db.example:5433/shop\n",  # pasted with spaces
    ],
)
def test_accepted_spellings_become_one_psycopg_url(raw):
    url = parse_database_url(raw)
    assert url.drivername == "postgresql+psycopg"
    assert (url.username, url.password, url.host, url.port, url.database) == (
        "alice",
        SECRET,
        "db.example",
        5433,
        "shop",
    )


def test_query_keys_are_kept_for_psycopg():
    url = parse_database_url(f"postgres://alice:{SECRET}@ep-x.neon.tech/neondb?sslmode=require")
    assert url.query == {"sslmode": "require"}
    assert libpq_url(url) == f"postgresql://alice:{SECRET}@ep-x.neon.tech/neondb?sslmode=require"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "not a url",
        "localhost:5432",
        f"postgresql://alice:{SECRET}@db.example:port/shop",  # port not a number
        f"postgresql://alice:{SECRET}@db.example:99999/shop",  # port out of range
        f"postgresql://alice:{SECRET}@x@db.example/shop",  # '@' in the password, not encoded
    ],
)
def test_malformed_urls_name_the_setting_and_hide_the_password(raw):
    with pytest.raises(CourseSetupError) as caught:
        parse_database_url(raw)
    message = str(caught.value)
    assert "DATABASE_URL" in message
    assert SECRET not in message
    assert "Traceback" not in message


@pytest.mark.parametrize(
    "raw",
    [
        f"mysql://alice:{SECRET}@db.example/shop",
        "sqlite:///course.db",
        f"http://alice:{SECRET}@db.example/",
        f"mssql+pyodbc://alice:{SECRET}@db.example/shop",
    ],
)
def test_other_schemes_are_rejected(raw):
    with pytest.raises(CourseSetupError, match="DATABASE_URL must point at PostgreSQL") as caught:
        parse_database_url(raw)
    assert SECRET not in str(caught.value)


def test_setting_name_is_the_one_given():
    with pytest.raises(CourseSetupError, match="MY_URL"):
        parse_database_url("mysql://x@y/z", setting="MY_URL")


def test_asyncpg_url_translates_sslmode_and_drops_libpq_only_keys():
    url = parse_database_url(
        f"postgresql://alice:{SECRET}@ep-x.neon.tech/neondb?sslmode=require&channel_binding=require"
        "&connect_timeout=10&application_name=course&options=-csearch_path%3Dshop"
        "&target_session_attrs=read-write&gssencmode=disable"
    )
    converted = asyncpg_url(url)
    assert converted.drivername == "postgresql+asyncpg"
    assert dict(converted.query) == {"ssl": "require"}
    assert (converted.username, converted.password, converted.database) == ("alice", SECRET, "neondb")
    # the psycopg URL keeps every libpq key
    assert set(url.query) == {
        "sslmode",
        "channel_binding",
        "connect_timeout",
        "application_name",
        "options",
        "target_session_attrs",
        "gssencmode",
    }


@pytest.mark.parametrize("mode", ["disable", "prefer", "require", "verify-ca", "verify-full"])
def test_asyncpg_ssl_takes_each_sslmode(mode):
    assert asyncpg_url(parse_database_url(f"postgresql://a@h/d?sslmode={mode}")).query == {"ssl": mode}


def test_asyncpg_url_keeps_keys_asyncpg_understands():
    url = parse_database_url("postgresql://a@/d?host=/run/postgresql&prepared_statement_cache_size=0")
    assert dict(asyncpg_url(url).query) == {"host": "/run/postgresql", "prepared_statement_cache_size": "0"}


def test_mask_url_hides_password_and_socket_folder():
    url = make_url(f"postgresql+psycopg://alice:{SECRET}@/shop?host=/home/alice/course/.pgdata")
    shown = mask_url(url)
    assert SECRET not in shown
    assert "/home/alice" not in shown
    assert shown == "postgresql+psycopg://alice:***@/shop?host=<socket dir>"
    assert mask_url(libpq_url(url)) == "postgresql://alice:***@/shop?host=<socket dir>"


@pytest.mark.parametrize(
    "text",
    [
        f"could not connect to postgresql://alice:{SECRET}@db.example/shop",
        f"dsn: host=db.example user=alice password={SECRET} dbname=shop",
        f"dsn: host=db.example password = '{SECRET}' dbname=shop",
        f"bad url postgresql://alice:{SECRET}@x@db.example/shop here",
        f"'postgresql//alice:{SECRET}@db.example/shop' (no colon after the scheme)",
        f"alice:{SECRET}@db.example:5432/shop",
    ],
)
def test_mask_text_hides_passwords_in_free_text(text):
    assert SECRET not in mask_text(text)


@pytest.mark.parametrize(
    "text",
    [
        "postgresql://alice@db.example:5432/shop",
        "postgresql://postgres@/course_00_setup?host=<socket dir>",
        "Error: write to alice@example.org",
    ],
)
def test_mask_text_leaves_text_without_passwords_alone(text):
    assert mask_text(text) == text


def test_mask_text_hides_a_known_password_anywhere():
    assert mask_text(f"the word {SECRET} alone", SECRET) == "the word *** alone"


def test_reprs_never_show_the_password():
    url = parse_database_url(f"postgresql://alice:{SECRET}@db.example:5433/postgres")
    server = CourseServer("url", url, "DATABASE_URL")
    db = describe(server, "03_relationships")
    assert db.url.password == SECRET  # the URLs work...
    assert SECRET in db.libpq_url
    for shown in (repr(server), str(server), server.description, repr(db), str(db), f"{db}", f"{server!r}"):
        assert SECRET not in shown  # ...but printing never shows the password
    assert repr(db) == (
        "NotebookDatabase(notebook='03_relationships', name='course_03_relationships', "
        "url='postgresql+psycopg://alice:***@db.example:5433/course_03_relationships')"
    )
