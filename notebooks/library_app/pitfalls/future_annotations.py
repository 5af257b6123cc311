"""Pitfall: ``from __future__ import annotations`` in a module with SQLModel relationships."""

from __future__ import annotations

from sqlalchemy.orm import registry
from sqlmodel import Field, Relationship, SQLModel


class FutureBase(SQLModel, registry=registry()):  # a registry of its own: the breakage stays here
    pass


class FutureAuthor(FutureBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str

    books: list[FutureBook] = Relationship(back_populates="author")


class FutureBook(FutureBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    title: str
    author_id: int = Field(foreign_key="futureauthor.id")

    author: FutureAuthor = Relationship(back_populates="books")
