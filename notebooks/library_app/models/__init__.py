"""Import every model here, so that importing the package registers all the tables.

``author.py`` and ``book.py`` refer to each other's classes by name only (strings in the
annotations, real imports only under ``TYPE_CHECKING``), so neither imports the other at
run time. SQLAlchemy resolves the names when it first configures the mappers, by which
time both classes exist.
"""

from library_app.models.author import Author
from library_app.models.book import Book

__all__ = ["Author", "Book"]
