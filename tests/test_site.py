"""The course website (``python -m course_lib html``), checked against the notebooks it is built from.

Every expectation is derived from the committed notebooks at test time (they change as the
course grows): the pages, the plots, the collapsed solutions, the error gallery's entries.
The site is built once per test session, by the command a reader runs, with no database around.
The real-browser checks (search, previous/next, plots, console) are in test_site_browser.py.
"""

from __future__ import annotations

import base64
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from helpers import course_site

from course_lib.site import REFERENCE_PAGES, launch_urls, repository_url
from course_lib.site_pages import read_notebook
from course_lib.site_reference import CHEATS, GLOSSARY, cheat_cell, error_entries, glossary_entries

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``python -m course_lib html --output ...`` with no server reachable: nothing is executed.

    Built once per test session (helpers.course_site), and shared with test_site_browser.py."""
    out, build = course_site(tmp_path_factory.getbasetemp())
    assert build["returncode"] == 0, build["stderr"][-3000:]
    assert "index.html" in build["stdout"]
    assert not build["started_a_server"], "building the site started a database server"
    return out


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def text_of(value: str | list[str]) -> str:
    return "".join(value) if isinstance(value, list) else value


class Tags(HTMLParser):
    """(tag, attributes) of every start tag of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_of(page: Path) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.tags


def test_a_page_per_notebook_in_course_order_with_previous_and_next(site: Path) -> None:
    order = ["index", *(path.stem for path in NOTEBOOKS), *(p.removesuffix(".md") for p in REFERENCE_PAGES)]
    for position, name in enumerate(order):
        tags = tags_of(site / f"{name}.html")
        links = {
            kind: attrs["href"].split("#")[0]
            for tag, attrs in tags
            if tag == "a"
            for kind in ("prev", "next")
            if f"md-footer__link--{kind}" in (attrs.get("class") or "")
        }
        expected = {}
        if position > 0:
            expected["prev"] = f"{order[position - 1]}.html"
        if position < len(order) - 1:
            expected["next"] = f"{order[position + 1]}.html"
        assert links == expected, name


def test_each_page_shows_the_committed_outputs_and_plots(site: Path) -> None:
    for path in NOTEBOOKS:
        page = (site / f"{path.stem}.html").read_text(encoding="utf-8")
        shown = 0
        for index, cell in enumerate(cells(path)):
            for number, output in enumerate(cell.get("outputs", [])):
                if "image/png" in output.get("data", {}):
                    image = site / "images" / f"{path.stem}-{index}-{number}.png"
                    assert image.read_bytes() == base64.b64decode(text_of(output["data"]["image/png"]))
                    assert f'src="images/{image.name}"' in page
                elif output["output_type"] == "stream":
                    line = next((ln for ln in text_of(output["text"]).splitlines() if ln.strip()), "")
                    if line and "\x1b" not in line:
                        escaped = line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                        words = re.findall(r"[A-Za-z]{4,}", escaped)
                        assert all(word in page for word in words[:5]), (path.name, index, line)
                        shown += 1
        assert shown or not any(c.get("outputs") for c in cells(path)), path.name


def test_reference_solutions_are_collapsed_not_open(site: Path) -> None:
    for path in NOTEBOOKS:
        solutions = [
            c
            for c in cells(path)
            if "solution" in c.get("metadata", {}).get("tags", []) and text_of(c["source"]).strip()
        ]
        details = [attrs for tag, attrs in tags_of(site / f"{path.stem}.html") if tag == "details"]
        assert len(details) == len(solutions), path.name
        assert all("open" not in attrs for attrs in details), f"{path.name}: a solution is shown open"


def test_code_has_copy_buttons_and_search_is_inlined_for_file_urls(site: Path) -> None:
    page = (site / "02_crud.html").read_text(encoding="utf-8")
    assert '"content.code.copy"' in page  # Material adds the button to every code block
    assert (site / "search" / "search_index.js").read_text(encoding="utf-8").startswith("var __index = ")
    assert '<script src="assets/iframe-worker-shim.js">' in page


def test_nothing_is_loaded_from_another_host(site: Path) -> None:
    """No CDN, no web font: every script, style sheet, image and frame is a file of the site."""
    for page in site.rglob("*.html"):
        for tag, attrs in tags_of(page):
            for attribute in ("src", "href") if tag in ("script", "img", "iframe", "source", "link") else ():
                url = attrs.get(attribute) or ""
                assert not re.match(r"^(https?:)?//", url), f"{page.name}: <{tag} {attribute}={url}>"
                if url and not url.startswith(("data:", "#")):
                    base = site if url.startswith("/") else page.parent  # 404.html links from the root
                    assert (base / url.split("#")[0].split("?")[0].lstrip("/")).exists(), (page.name, url)
    for style in site.rglob("*.css"):
        assert not re.search(r"url\(\s*['\"]?(https?:)?//|@import", style.read_text(encoding="utf-8")), style


def expect_error_cells(path: Path) -> set[str]:
    """Ids of the code cells that run ``with expect_error(...)``: read here independently of the site."""
    found = set()
    for cell in cells(path):
        if cell["cell_type"] != "code":
            continue
        lines = text_of(cell["source"]).splitlines()
        if any(
            re.search(r"\bwith\b.*\bexpect_error\(", line) and not line.lstrip().startswith("#")
            for line in lines
        ):
            found.add(f"{path.stem}-{cell['id']}")
    return found


def test_the_error_gallery_lists_every_expect_error_cell_and_nothing_else(site: Path) -> None:
    expected = set().union(*(expect_error_cells(path) for path in NOTEBOOKS))
    assert expected, "no notebook runs an error on purpose?"
    tags = tags_of(site / "errors.html")
    listed = [attrs["id"] for tag, attrs in tags if "error-entry" in (attrs.get("class") or "")]
    assert set(listed) == expected
    # ... each with the message its cell printed, linked to a section that exists
    notebooks = [read_notebook(path) for path in NOTEBOOKS]
    for entry in error_entries(notebooks):
        assert entry.errors, f"{entry.anchor}: no exception line found in the cell's output"
        for name, message in entry.errors:
            assert f"{name}: {message}" in entry.cell.stream_text
        page = (site / f"{entry.notebook.stem}.html").read_text(encoding="utf-8")
        assert f'id="{entry.cell.section.anchor}"' in page, entry.anchor


def test_the_gallery_follows_the_notebooks(tmp_path: Path) -> None:
    """A cell removed from a notebook leaves the gallery; a new one appears: nothing stale."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# 98 · Errors\n\n## Two mistakes\n\n> **Pitfall: dividing by zero.**"),
        nbformat.v4.new_code_cell(
            "with expect_error(ZeroDivisionError):\n    1 / 0",
            outputs=[
                nbformat.v4.new_output("stream", name="stdout", text="ZeroDivisionError: division by zero\n")
            ],
        ),
        nbformat.v4.new_code_cell(
            "with expect_error(KeyError):\n    {}['x']",
            outputs=[nbformat.v4.new_output("stream", name="stdout", text="KeyError: 'x'\n")],
        ),
    ]
    path = tmp_path / "98_errors.ipynb"
    nbformat.write(notebook, path)
    entries = error_entries([read_notebook(path)])
    assert [(e.errors, e.pitfall, e.cell.section.title) for e in entries] == [
        ([("ZeroDivisionError", "division by zero")], "dividing by zero.", "Two mistakes"),
        ([("KeyError", "'x'")], "dividing by zero.", "Two mistakes"),
    ]
    del notebook.cells[1]
    nbformat.write(notebook, path)
    assert [e.errors for e in error_entries([read_notebook(path)])] == [[("KeyError", "'x'")]]


def test_every_cheat_sheet_pattern_is_a_cell_the_course_runs(site: Path) -> None:
    notebooks = [read_notebook(path) for path in NOTEBOOKS]
    page = (site / "cheatsheet.html").read_text(encoding="utf-8")
    for name, stem, heading, needles in CHEATS:
        found = cheat_cell(notebooks, stem, heading, needles)
        assert found, f"cheat sheet: no code cell in {stem}'s section {heading!r} holds {needles}"
        notebook, cell = found
        assert cell.outputs or cell.source, name
        assert name.replace("&", "&amp;").replace("<", "&lt;") in page
        assert f'href="{notebook.stem}.html#{cell.section.anchor}"' in page, name


def test_every_glossary_term_links_to_where_it_is_taught(site: Path) -> None:
    notebooks = [read_notebook(path) for path in NOTEBOOKS]
    entries = glossary_entries(notebooks)
    assert sorted(e.term for e in entries) == sorted(term for term, _ in GLOSSARY), "a term is never taught"
    page = (site / "glossary.html").read_text(encoding="utf-8")
    for entry in entries:
        target = f"{entry.notebook.stem}.html#{entry.section.anchor}"
        assert f'href="{target}"' in page, entry.term
        assert f'id="{entry.section.anchor}"' in (site / f"{entry.notebook.stem}.html").read_text(
            encoding="utf-8"
        )


def test_open_in_colab_and_binder_links_come_from_one_setting(site: Path) -> None:
    repository = repository_url()
    assert repository.startswith("https://github.com/")
    for path in NOTEBOOKS:
        page = (site / f"{path.stem}.html").read_text(encoding="utf-8")
        urls = launch_urls(f"notebooks/{path.name}")
        for url in (urls["colab"], urls["binder"]):
            assert f'href="{url}"' in page, (path.name, url)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first = launch_urls(f"notebooks/{NOTEBOOKS[0].name}")
    assert first["colab"] in readme and first["binder"] in readme, (
        "README's launch links disagree with pyproject"
    )
    owner_repo = repository.removeprefix("https://github.com/")
    for source in [*(ROOT / "course_lib").rglob("*.py"), *(ROOT / "tests").rglob("*.py")]:
        assert owner_repo not in source.read_text(encoding="utf-8"), f"{source.name} writes the URL again"


def test_a_picture_s_alt_text_is_the_summary_its_cell_printed(tmp_path: Path) -> None:
    from course_lib.site_pages import Cell, Section, output_blocks

    png = base64.b64encode(b"\x89PNG\r\n\x1a\n").decode()
    printed = {"output_type": "stream", "name": "stdout", "text": '\nSeq Scan <-> 3 rows & "more"\nsecond\n'}
    picture = {"output_type": "display_data", "data": {"image/png": png}, "metadata": {}}
    section = Section(title="Plans", level=2, anchor="plans")
    cell = Cell(index=3, id="c", kind="code", source="", tags=[], section=section, outputs=[printed, picture])
    blocks = output_blocks(cell, tmp_path / "images", "07_indexing")
    assert 'alt="Seq Scan &lt;-&gt; 3 rows &amp; &quot;more&quot;"' in blocks[-1]
    assert (tmp_path / "images" / "07_indexing-3-1.png").exists()
    silent = Cell(index=4, id="d", kind="code", source="", tags=[], section=section, outputs=[picture])
    assert 'alt="a chart (its data is printed above)"' in output_blocks(silent, tmp_path / "images", "x")[-1]
