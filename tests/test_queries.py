"""count_queries: the measuring tape of the N+1 lesson, sync and async."""

# No `from __future__ import annotations`: SQLModel relationships need the real annotations.
import asyncio

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.orm import selectinload
from sqlmodel import Field, Relationship, Session, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from course_lib import count_queries, notebook_database


class CountTeam(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    heroes: list["CountHero"] = Relationship(back_populates="team")


class CountHero(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    team_id: int | None = Field(default=None, foreign_key="countteam.id")
    team: CountTeam | None = Relationship(back_populates="heroes")


TABLES = [CountTeam.__table__, CountHero.__table__]


@pytest.fixture
def db(scratch_name):
    db = notebook_database(scratch_name("queries"))
    engine = create_engine(db.url)
    SQLModel.metadata.create_all(engine, tables=TABLES)
    with Session(engine) as session:
        for t in range(3):
            team = CountTeam(name=f"team {t}")
            session.add(team)
            session.add_all(CountHero(name=f"hero {t}.{h}", team=team) for h in range(2))
        session.commit()
    engine.dispose()
    return db


def test_lazy_loading_is_n_plus_1(db):
    engine = create_engine(db.url)
    with Session(engine) as session, count_queries(engine) as counter:
        teams = session.exec(select(CountTeam).order_by(CountTeam.id)).all()
        sizes = [len(team.heroes) for team in teams]
    assert sizes == [2, 2, 2]
    assert counter.count == 1 + 3
    assert repr(counter) == "QueryCounter(count=4)"
    assert all("countteam" in s or "counthero" in s for s in counter.statements)
    engine.dispose()


def test_selectinload_is_2_queries(db):
    engine = create_engine(db.url)
    with Session(engine) as session, count_queries(engine) as counter:
        teams = session.exec(select(CountTeam).options(selectinload(CountTeam.heroes))).all()
        assert sum(len(team.heroes) for team in teams) == 6
    assert counter.count == 2
    engine.dispose()


def test_counts_only_inside_the_block_and_starts_at_zero(db):
    engine = create_engine(db.url)
    with engine.connect() as conn:
        with count_queries(engine) as counter:
            assert counter.count == 0
            conn.execute(text("SELECT 1"))
        conn.execute(text("SELECT 2"))  # after the block: not counted
        with count_queries(engine) as second:
            conn.execute(text("SELECT 3"))
    assert (counter.count, second.count) == (1, 1)
    assert counter.statements == ["SELECT 1"]
    engine.dispose()


def test_counts_executemany_as_one_statement(db):
    engine = create_engine(db.url)
    with engine.begin() as conn, count_queries(engine) as counter:
        conn.execute(
            text("INSERT INTO countteam (name) VALUES (:name)"), [{"name": f"n{i}"} for i in range(4)]
        )
    assert counter.count == 1
    engine.dispose()


def test_counts_through_an_async_engine(db):
    async def run() -> tuple[int, int]:
        engine = create_async_engine(db.async_url)
        async with engine.connect() as conn:  # connect first: asyncpg's own start-up queries are not counted
            await conn.execute(text("SELECT 1"))
        with count_queries(engine) as counter:
            async with AsyncSession(engine) as session:
                teams = (await session.exec(select(CountTeam).options(selectinload(CountTeam.heroes)))).all()
                heroes = sum(len(team.heroes) for team in teams)
        await engine.dispose()
        return counter.count, heroes

    assert asyncio.run(run()) == (2, 6)
