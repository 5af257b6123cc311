from typing import TYPE_CHECKING

from sqlmodel import Field, Relationship, SQLModel

if TYPE_CHECKING:  # True for type checkers (mypy, the editor), False at run time
    from library_app.models.author import Author


class Book(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    author_id: int = Field(foreign_key="author.id", index=True)

    author: "Author" = Relationship(back_populates="books")
