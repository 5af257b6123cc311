"""Pitfall: the two modules import each other's class at run time."""

from sqlmodel import Field, Relationship, SQLModel

from library_app.pitfalls.circular_book import CircularBook


class CircularAuthor(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str

    books: list[CircularBook] = Relationship(back_populates="author")
