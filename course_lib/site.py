"""A static HTML rendering of the course, for people who read rather than run.

``python -m course_lib html`` renders every committed notebook (with its outputs
and plots; nothing is executed) into ``site/``, plus an index page.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

from course_lib.paths import checkout_root


def notebook_title(path: Path) -> str:
    """The first markdown heading of a notebook, or its file name."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return path.stem


def build_site(output: Path | None = None, notebooks: Path | None = None) -> list[Path]:
    """Render each notebook to ``output/NAME.html`` and write ``output/index.html``."""
    notebooks = notebooks or checkout_root() / "notebooks"
    output = output or checkout_root() / "site"
    output.mkdir(parents=True, exist_ok=True)
    exporter = HTMLExporter(template_name="lab")
    written = []
    links = []
    for path in sorted(notebooks.glob("*.ipynb")):
        body, _ = exporter.from_notebook_node(nbformat.read(path, as_version=4))
        page = output / f"{path.stem}.html"
        page.write_text(body, encoding="utf-8")
        written.append(page)
        links.append(f'<li><a href="{page.name}">{html.escape(notebook_title(path))}</a></li>')
    index = output / "index.html"
    index.write_text(
        "<!doctype html>\n<html><head><meta charset='utf-8'><title>pg-sqlmodel-course</title></head>\n"
        "<body><h1>PostgreSQL through SQLModel</h1>\n<ol>\n" + "\n".join(links) + "\n</ol></body></html>\n",
        encoding="utf-8",
    )
    return [index, *written]
