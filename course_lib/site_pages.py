"""One committed notebook as a Markdown page of the course's website (nothing is executed).

Markdown cells are kept as written, each heading given an explicit anchor (so that the
error gallery, the cheat sheet and the glossary can link to a section); code cells become
fenced Python followed by their committed outputs (text, HTML tables, PNG plots). Reference
solutions (cells tagged ``solution``) go inside a collapsed ``???`` block.
"""

from __future__ import annotations

import base64
import json
import re
import unicodedata
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
LIST_ITEM = re.compile(r"^\s{0,3}([-*+]|\d+[.)])\s")
FENCE = re.compile(r"^\s*(```|~~~)")
NOTEBOOK_LINK = re.compile(r"\]\((\d\d_[\w-]+)\.ipynb(#[^)]*)?\)")


@dataclass
class Section:
    """A heading of a notebook: its text (Markdown stripped), level and anchor on the page."""

    title: str
    level: int
    anchor: str


@dataclass
class Cell:
    """One notebook cell with the section it sits in."""

    index: int
    id: str
    kind: str  # "markdown" or "code"
    source: str
    tags: list[str]
    section: Section
    outputs: list[dict] = field(default_factory=list)
    headings: list[tuple[int, Section]] = field(default_factory=list)  # (offset in source, section)

    def section_at(self, offset: int) -> Section:
        """The section a character of this cell's source belongs to."""
        found = self.section
        for start, section in self.headings:
            if start <= offset:
                found = section
        return found

    @property
    def stream_text(self) -> str:
        """Everything the cell printed (stdout and stderr), ANSI colours removed."""
        parts = []
        for output in self.outputs:
            if output["output_type"] == "stream":
                parts.append(_text(output["text"]))
            elif "text/plain" in output.get("data", {}):
                parts.append(_text(output["data"]["text/plain"]) + "\n")
        return ANSI.sub("", "".join(parts))


@dataclass
class Notebook:
    path: Path
    title: str
    cells: list[Cell]
    sections: list[Section]

    @property
    def stem(self) -> str:
        return self.path.stem

    @property
    def page(self) -> str:
        """The page's file name inside the site's docs folder."""
        return f"{self.stem}.md"

    @property
    def short_title(self) -> str:
        """``01 · Models`` for the navigation: the title up to its first colon."""
        return self.title.split(":", 1)[0].strip()


def _text(value: str | list[str]) -> str:
    return "".join(value) if isinstance(value, list) else value


def slugify(text: str) -> str:
    """An anchor as Python-Markdown's toc makes it: ASCII, lower case, words joined by ``-``."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-_\s]+", "-", text).strip("-")  # no "_": Markdown would read __x__ as bold


def plain(markdown: str) -> str:
    """A heading's text without Markdown: links keep their text, code loses its backticks."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    return re.sub(r"`|\*\*?(?=\S)|(?<=\S)\*\*?", "", text).strip()


def read_notebook(path: Path) -> Notebook:
    """Cells with their sections; anchors unique on the page, as the page will have them."""
    data = json.loads(path.read_text(encoding="utf-8"))
    used: set[str] = set()
    title = path.stem
    current = Section(path.stem, 1, "")
    sections: list[Section] = []
    cells = []
    for index, raw in enumerate(data["cells"]):
        source = _text(raw["source"])
        headings = []
        if raw["cell_type"] == "markdown":
            first_section = None
            for text, level, offset in _headings(source):
                slug = base = slugify(plain(text)) or "section"
                counter = 1
                while slug in used:
                    slug, counter = f"{base}_{counter}", counter + 1
                used.add(slug)
                section = Section(plain(text), level, slug)
                sections.append(section)
                headings.append((offset, section))
                first_section = first_section or section
                current = section
                if level == 1 and title == path.stem:
                    title = plain(text)
            cell_section = first_section or current
        else:
            cell_section = current
        cells.append(
            Cell(
                index=index,
                id=raw.get("id", str(index)),
                kind=raw["cell_type"],
                source=source,
                tags=list(raw.get("metadata", {}).get("tags", [])),
                section=cell_section,
                outputs=raw.get("outputs", []) if raw["cell_type"] == "code" else [],
                headings=headings,
            )
        )
    return Notebook(path, title, cells, sections)


def _headings(source: str) -> list[tuple[str, int, int]]:
    """(text, level, offset) of each Markdown heading outside code fences."""
    found, fenced, offset = [], False, 0
    for line in source.splitlines(keepends=True):
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced and (match := HEADING.match(line.rstrip("\n"))):
            found.append((match.group(2), len(match.group(1)), offset))
        offset += len(line)
    return found


def markdown_cell(source: str, anchors: list[str], repository_file_url: str) -> str:
    """The cell's Markdown with ``{ #anchor }`` on each heading, course links to pages."""
    lines, fenced, previous = [], False, ""
    anchors = list(anchors)
    for line in source.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced and HEADING.match(line):
            line = f"{line.rstrip().rstrip('#').rstrip()} {{ #{anchors.pop(0)} }}"
        elif not fenced and LIST_ITEM.match(line) and previous.strip() and not LIST_ITEM.match(previous):
            # Jupyter (CommonMark) starts a list right after a paragraph; Python-Markdown needs a blank line
            if not previous.startswith((" ", "\t")):
                lines.append("")
        lines.append(line)
        previous = line
    text = "\n".join(lines)
    text = NOTEBOOK_LINK.sub(lambda m: f"]({m.group(1)}.md{m.group(2) or ''})", text)
    # Other relative links point into the repository (CONTRIBUTING.md, course_lib/...).
    return re.sub(
        r"\]\((?!https?:|mailto:|#|\d\d_[\w-]+\.md)([^)\s]+)\)",
        lambda m: f"]({repository_file_url}{m.group(1)})",
        text,
    )


def fenced(text: str, language: str) -> str:
    ticks = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", text)), default=0))
    return f"{ticks}{language}\n{text.rstrip()}\n{ticks}"


def picture_summary(printed: str) -> str:
    """A picture's alt text: the first line its cell printed (each picture's cell prints its title
    and summary before drawing it; tests/test_pictures.py holds every notebook to that)."""
    first = next((line.strip() for line in printed.splitlines() if line.strip()), "")
    return first[:200] or "a chart (its data is printed above)"


def output_blocks(cell: Cell, images: Path, image_prefix: str) -> list[str]:
    """The cell's committed outputs: text fenced, HTML kept, PNG plots written to ``images``."""
    blocks: list[str] = []
    stream: list[str] = []
    printed: list[str] = []  # everything the cell printed so far: a picture's text alternative

    def flush() -> None:
        # Raw HTML rather than a fenced block: printed text needs no syntax highlighting (the
        # slowest step of the build), and is then never read as Markdown either.
        if stream and "".join(stream).strip():
            text = escape("".join(stream).rstrip(), quote=False)
            blocks.append(f'<div class="nb-output"><pre><code>{text}</code></pre></div>')
        stream.clear()

    for number, output in enumerate(cell.outputs):
        if output["output_type"] == "stream":
            stream.append(ANSI.sub("", _text(output["text"])))
            printed.append(stream[-1])
            continue
        if output["output_type"] == "error":  # never committed (see CONTRIBUTING); shown if it were
            stream.append(f"{output['ename']}: {output['evalue']}\n")
            continue
        flush()
        data = output.get("data", {})
        if "image/png" in data:
            name = f"{image_prefix}-{cell.index}-{number}.png"
            images.mkdir(parents=True, exist_ok=True)
            (images / name).write_bytes(base64.b64decode(_text(data["image/png"])))
            alt = escape(picture_summary("".join(printed)), quote=True)
            blocks.append(f'<div class="nb-output"><img src="{images.name}/{name}" alt="{alt}"></div>')
        elif "text/html" in data:
            html = "\n".join(line for line in _text(data["text/html"]).splitlines() if line.strip())
            blocks.append(f'<div class="nb-output nb-html">\n{html}\n</div>')
        elif "text/plain" in data:
            stream.append(ANSI.sub("", _text(data["text/plain"])) + "\n")
    flush()
    return blocks


def notebook_page(notebook: Notebook, docs: Path, launch_links: str, repository_file_url: str) -> str:
    """The whole page: launch links under the title, then every cell in order."""
    anchors = iter(section.anchor for section in notebook.sections)
    parts: list[str] = []
    for cell in notebook.cells:
        if cell.kind == "markdown":
            own = [next(anchors) for _ in _headings(cell.source)]
            parts.append(markdown_cell(cell.source, own, repository_file_url))
            if cell.index == 0:
                parts.append(launch_links)
            continue
        if cell.kind != "code" or not cell.source.strip():
            continue
        blocks = [fenced(cell.source, "python"), *output_blocks(cell, docs / "images", notebook.stem)]
        if "solution" in cell.tags:
            inner = "\n\n".join(blocks)
            blocks = ['??? success "Reference solution"\n\n' + _indent(inner)]
        parts.extend(blocks)
    if not notebook.cells or notebook.cells[0].kind != "markdown":
        parts.insert(0, launch_links)
    return "\n\n".join(parts) + "\n"


def _indent(text: str) -> str:
    return "\n".join(("    " + line) if line.strip() else "" for line in text.splitlines())
