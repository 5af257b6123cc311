"""Checks for notebooks/06_full_text_search.ipynb.

Every check works in a scratch database of its own (:func:`check_database`), on rows the
learner has not seen: NULL descriptions and tags, a match only in the tags, accents in the
documents and in the search box, ties, more matches than a page. Queries are run with
several search-box inputs (syntax, stop words only, unbalanced quotes) and compared with
the reference SQL's rows; a model is created there and probed through the catalog and
with raw SQL.
"""

# importing each exercise's module registers its check
from course_lib.checks.nb06_full_text_search import (
    ex1_note_search,
    ex2_accent_ranking,
    ex3_product_search_model,
)

__all__ = ["ex1_note_search", "ex2_accent_ranking", "ex3_product_search_model"]
