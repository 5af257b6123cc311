"""The full-text search corpus in data/corpus/ is well formed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus" / "python_docs.jsonl"


@pytest.fixture(scope="module")
def documents() -> list[dict]:
    with CORPUS.open(encoding="utf-8") as file:
        return [json.loads(line) for line in file]


def test_every_line_has_the_four_fields(documents):
    for document in documents:
        assert set(document) == {"id", "title", "body", "source"}
        assert isinstance(document["id"], int)
        assert all(isinstance(document[key], str) for key in ("title", "body", "source"))


def test_ids_are_unique_and_in_file_order(documents):
    assert [document["id"] for document in documents] == list(range(1, len(documents) + 1))


def test_size_is_enough_to_rank_but_stays_small(documents):
    assert 400 <= len(documents) <= 2000
    assert CORPUS.stat().st_size < 2_000_000


def test_no_empty_titles_or_bodies(documents):
    for document in documents:
        assert document["title"].strip(), document["id"]
        assert len(document["body"].strip()) >= 200, document["id"]


def test_both_sources_are_present(documents):
    sources = {document["source"].split("[")[0].split(".")[0] for document in documents}
    assert "pydoc_data" in sources
    assert sum(document["source"].endswith(".__doc__") for document in documents) >= 100
