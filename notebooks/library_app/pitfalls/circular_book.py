"""Pitfall: the two modules import each other's class at run time."""

from sqlmodel import Field, Relationship, SQLModel

from library_app.pitfalls.circular_author import CircularAuthor


class CircularBook(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    title: str
    author_id: int = Field(foreign_key="circularauthor.id")

    author: CircularAuthor = Relationship(back_populates="books")
