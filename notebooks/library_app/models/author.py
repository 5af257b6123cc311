from typing import TYPE_CHECKING

from sqlmodel import Field, Relationship, SQLModel

if TYPE_CHECKING:  # True for type checkers (mypy, the editor), False at run time
    from library_app.models.book import Book


class Author(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)

    books: list["Book"] = Relationship(back_populates="author")
