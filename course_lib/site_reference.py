"""The website's reference pages, generated from the notebooks so that they cannot drift.

- the error gallery: every cell that runs an error on purpose (``with expect_error(...)``),
  with the exception and message its committed output shows, linked to its section;
- the cheat sheet: a pattern name, a notebook and words of a section heading; the code is the
  first code cell of that section holding every given fragment (never a solution or an
  expect_error cell);
- the glossary: each term linked to the first section that teaches it (in course order, the first
  notebook that sets it in bold or names it in a heading; else its first mention outside an
  introduction or recap), with the sentence it appears in.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from course_lib.site_pages import Cell, Notebook, Section, fenced

EXPECT_ERROR = re.compile(r"\bexpect_error\(([^)]*)\)")
ERROR_LINE = re.compile(r"^([A-Z]\w*): (.+)$")
PITFALL = re.compile(r"\*\*Pitfall:\s*(.+?)\*\*", re.DOTALL)


@dataclass
class ErrorEntry:
    notebook: Notebook
    cell: Cell
    expected: list[str]  # class names given to expect_error, last dotted part
    errors: list[tuple[str, str]]  # (exception, first line of its message) as printed
    pitfall: str  # the "Pitfall: ..." note just above, if any

    @property
    def anchor(self) -> str:
        return f"{self.notebook.stem}-{self.cell.id}"


def expect_error_cells(notebook: Notebook) -> list[Cell]:
    return [c for c in notebook.cells if c.kind == "code" and _expected_names(c.source)]


def _expected_names(source: str) -> list[str]:
    names = []
    for line in source.splitlines():
        if line.lstrip().startswith(("#", "def ", "from ", "import ")):
            continue
        for arguments in EXPECT_ERROR.findall(line):
            names += [a.strip().split(".")[-1] for a in arguments.split(",") if a.strip() and "=" not in a]
    return names


def error_entries(notebooks: list[Notebook]) -> list[ErrorEntry]:
    entries = []
    for notebook in notebooks:
        for cell in expect_error_cells(notebook):
            expected = _expected_names(cell.source)
            lines = cell.stream_text.splitlines()
            errors = [(m.group(1), m.group(2)) for line in lines if (m := ERROR_LINE.match(line))]
            matching = [e for e in errors if e[0] in expected]
            if not matching:  # a subclass was raised: keep what looks like an exception
                matching = [e for e in errors if re.search(r"(Error|Exception|Found|Greenlet)$", e[0])]
            entries.append(ErrorEntry(notebook, cell, expected, matching, _pitfall_above(notebook, cell)))
    return entries


def _pitfall_above(notebook: Notebook, cell: Cell) -> str:
    for previous in reversed(notebook.cells[: cell.index]):
        if previous.kind == "markdown":
            found = PITFALL.findall(previous.source)
            return " ".join(found[-1].split()) if found else ""
    return ""


def _link(notebook: Notebook, section: Section) -> str:
    where = f"#{section.anchor}" if section.anchor else ""
    return f"[{notebook.short_title} → {section.title}]({notebook.page}{where})"


def error_gallery(notebooks: list[Notebook]) -> str:
    """The page: one section per exception class, one entry per expect_error cell."""
    by_name: dict[str, list[ErrorEntry]] = defaultdict(list)
    entries = error_entries(notebooks)
    for entry in entries:
        for name in dict.fromkeys([e[0] for e in entry.errors] or entry.expected):
            by_name[name].append(entry)
    parts = [
        # Ranked above the lessons: a pasted error message should land here first.
        "---\nsearch:\n  boost: 4\n---\n\n# Error gallery",
        f"Every error the course runs on purpose ({len(entries)} cells, each inside "
        "`with expect_error(...)`), by exception, with the message the notebook printed and the "
        "section that explains it and shows the fix. Paste an error message into the search box to "
        "land here.",
    ]
    for name in sorted(by_name, key=str.lower):
        parts.append(f"## {name} {{ #{name.lower()} }}")
        for entry in by_name[name]:
            messages = [f"{exc}: {message}" for exc, message in entry.errors if exc == name]
            note = f" **Pitfall:** {entry.pitfall}" if entry.pitfall else ""
            parts.append(
                f'<div class="error-entry" id="{entry.anchor}" markdown>\n\n'
                f"{_link(entry.notebook, entry.cell.section)}.{note}\n\n"
                + (fenced("\n".join(messages), "text") + "\n\n" if messages else "")
                + "</div>"
            )
    return "\n\n".join(parts) + "\n"


# (pattern, notebook, words of the section heading, fragments the cell must contain)
CHEATS: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("Engine and a first query", "00_setup", "Talking to PostgreSQL", ("create_engine(",)),
    ("A session: add, commit, select", "00_setup", "Connections and transactions", ("Session(",)),
    ("Create one row", "02_crud", "Create one row", ("session.add(",)),
    ("Read one row by primary key", "02_crud", "Read one row", ("session.get(",)),
    ("Update one row", "02_crud", "Update one row", ("session.add(",)),
    ("Delete one row", "02_crud", "Delete one row", ("session.delete(",)),
    ("Partial update (PATCH)", "02_crud", "Partial updates", ("exclude_unset",)),
    (
        "Async engine and AsyncSession",
        "02_crud",
        "AsyncSession on",
        ("create_async_engine", "async_sessionmaker"),
    ),
    ("Eager loading (no N+1)", "03_relationships", "N+1", ("selectinload",)),
    ("Bound parameters with text()", "04_raw_sql", "bound parameters", ("text(",)),
    ("Upsert: INSERT ... ON CONFLICT", "04_raw_sql", "UPSERT", ("on_conflict_do_update",)),
    ("COPY from Python", "04_raw_sql", "COPY", ("copy(",)),
    ("Full-text search query", "06_full_text_search", "Searching the corpus", ("websearch_to_tsquery",)),
    ("Index kinds from SQLModel", "07_indexing", "Declaring indexes", ("postgresql_using",)),
    ("Alembic: autogenerate a revision", "08_migrations", "autogenerate", ("alembic revision",)),
    ("Alembic: history, current, downgrade", "08_migrations", "Moving around", ("alembic",)),
    ("Pool settings", "13_production", "Pools", ("create_engine(",)),
    ("Test fixtures: each test rolled back", "10_testing", "fixtures", ("@pytest.fixture",)),
    ("FastAPI session dependency", "11_fastapi", "session dependency", ("Depends(",)),
]


def cheat_cell(notebooks: list[Notebook], stem: str, heading: str, needles: tuple[str, ...]):
    """(notebook, cell) of the first eligible code cell of the section, or None."""
    for notebook in notebooks:
        if not notebook.stem.startswith(stem):
            continue
        for cell in notebook.cells:
            if (
                cell.kind == "code"
                and cell.section.level > 1
                and heading.lower() in cell.section.title.lower()
                and "solution" not in cell.tags
                and not _expected_names(cell.source)
                and all(needle in cell.source for needle in needles)
            ):
                return notebook, cell
    return None


def cheat_sheet(notebooks: list[Notebook]) -> str:
    parts = [
        "# Cheat sheet",
        "The patterns people copy, each taken from the lesson that runs it (the code is the "
        "notebook's own cell, so it is the code that ran; follow the link for its output and the "
        "explanation).",
    ]
    for name, stem, heading, needles in CHEATS:
        found = cheat_cell(notebooks, stem, heading, needles)
        if found is None:
            continue
        notebook, cell = found
        parts += [f"## {name}", f"From {_link(notebook, cell.section)}:", fenced(cell.source, "python")]
    return "\n\n".join(parts) + "\n"


GLOSSARY: list[tuple[str, str]] = [
    ("engine", r"\bengines?\b"),
    ("session", r"\bsessions?\b"),
    ("transaction", r"\btransactions?\b"),
    ("commit", r"\bcommit(s|ted)?\b"),
    ("flush", r"\bflush(es|ed)?\b"),
    ("identity map", r"\bidentity map\b"),
    ("table model", r"\btable models?\b"),
    ("data model", r"\bdata models?\b"),
    ("DDL", r"\bDDL\b"),
    ("N+1 problem", r"\bN\+1\b"),
    ("selectinload and joinedload (eager loading)", r"\bselectinload\b"),
    ("lazy loading", r"\blazy[- ]load"),
    ("cascade", r"\bcascades?\b"),
    ("bound parameter", r"\bbound parameters?\b"),
    ("SQL injection", r"\bSQL injection\b"),
    ("CTE", r"\bCTEs?\b"),
    ("window function", r"\bwindow functions?\b"),
    ("upsert", r"\bupsert\b"),
    ("savepoint", r"\bsavepoints?\b"),
    ("JSONB", r"\bJSONB\b"),
    ("UUIDv7", r"\bUUID ?v7\b"),
    ("NUMERIC", r"\bNUMERIC\b"),
    ("timestamptz", r"\btimestamptz\b"),
    ("generated column", r"\bgenerated columns?\b"),
    ("tsvector", r"\btsvector\b"),
    ("tsquery", r"\btsquery\b"),
    ("stemming", r"\bstemm(ing|ed|er)\b"),
    ("trigram", r"\btrigrams?\b"),
    ("EXPLAIN", r"\bEXPLAIN\b"),
    ("B-tree", r"\bB-tree\b"),
    ("GIN index", r"\bGIN\b"),
    ("partial index", r"\bpartial index(es)?\b"),
    ("covering index", r"\bcovering index(es)?\b"),
    ("index-only scan", r"\bindex-only scans?\b"),
    ("selectivity", r"\bselectivity\b"),
    ("connection pool", r"\b(connection )?pool(s|ing)?\b"),
    ("migration", r"\bmigrations?\b"),
    ("autogenerate", r"\bautogenerate\b"),
    ("isolation level", r"\bisolation levels?\b"),
    ("lost update", r"\blost update\b"),
    ("optimistic locking", r"\boptimistic locking\b"),
    ("fixture", r"\bfixtures?\b"),
    ("dependency (FastAPI)", r"\bdependency\b"),
]


@dataclass
class GlossaryEntry:
    term: str
    notebook: Notebook
    section: Section
    sentence: str


def glossary_entries(notebooks: list[Notebook]) -> list[GlossaryEntry]:
    entries = []
    for term, pattern in GLOSSARY:
        regex = re.compile(pattern, re.IGNORECASE if not pattern.strip("\\b").isupper() else 0)
        in_order = (_first([nb], regex, "bold") or _first([nb], regex, "heading") for nb in notebooks)
        found = next((hit for hit in in_order if hit), None)
        found = found or _first(notebooks, regex, "text")
        if found:
            entries.append(GlossaryEntry(term, *found))
    return sorted(entries, key=lambda e: e.term.lower())


def _first(notebooks: list[Notebook], regex: re.Pattern, where: str):
    """The first (notebook, section, sentence) where the term is defined in bold (``**term**``),
    names a section heading, or is mentioned outside a notebook's introduction and recap."""
    for notebook in notebooks:
        for cell in notebook.cells:
            if cell.kind != "markdown" or "solution" in cell.tags:
                continue
            if where == "heading":
                for _, section in cell.headings:
                    if section.level > 1 and regex.search(section.title):
                        return notebook, section, _sentence(cell.source, regex)
            elif where == "bold":
                for bold in re.finditer(r"\*\*(.+?)\*\*", cell.source):
                    section = cell.section_at(bold.start())
                    if regex.fullmatch(bold.group(1).strip().strip("`")) and _teaching(section):
                        paragraph = cell.source.rfind("\n\n", 0, bold.start()) + 1
                        return notebook, section, _sentence(cell.source[paragraph:], regex)
            elif regex.search(cell.source):
                section = _section_of(cell, regex)
                if _teaching(section):
                    return notebook, section, _sentence(cell.source, regex)
    return None


def _teaching(section: Section) -> bool:
    """Not a notebook's introduction (its goals), recap or exercises: those only name a term."""
    return section.level > 1 and section.title.lower() not in ("recap", "exercises")


def _section_of(cell: Cell, regex: re.Pattern) -> Section:
    """The section of the term's first mention inside the cell (a cell may hold several headings)."""
    return cell.section_at(regex.search(cell.source).start())


def _sentence(source: str, regex: re.Pattern) -> str:
    lines = [re.sub(r"^>\s?", "", line) for line in source.splitlines()]
    text = " ".join(line for line in lines if not line.startswith(("#", "```", "|")))
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links keep their text
    text = re.sub(r"\*\*Pitfall:.*?\*\*", "", text).replace("**", "")  # a bold phrase may end in "."
    for sentence in re.split(r"(?<=[.:;!?])\s+|(?<=[.:;!?]\))\s+", text):
        if regex.search(sentence) and not sentence.lstrip("> ").startswith("Pitfall"):
            sentence = sentence.strip().lstrip("-*> ").strip()
            return sentence if len(sentence) <= 300 else sentence[:297].rsplit(" ", 1)[0] + " ..."
    return ""


def glossary(notebooks: list[Notebook]) -> str:
    parts = [
        "# Glossary",
        "The terms the course uses, each linked to the first section that teaches it, with the "
        "sentence where it first appears there.",
    ]
    for entry in glossary_entries(notebooks):
        where = _link(entry.notebook, entry.section)
        parts.append(
            f"**{entry.term}**\n:   {entry.sentence} ({where})"
            if entry.sentence
            else f"**{entry.term}**\n:   {where}"
        )
    return "\n\n".join(parts) + "\n"
