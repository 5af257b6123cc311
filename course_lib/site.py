"""The course as a static, searchable website, built from the committed notebooks.

``python -m course_lib html`` writes ``site/``: a page per notebook (outputs and plots as
committed; nothing is executed, no database needed), in course order with previous/next
links, reference solutions collapsed, copy buttons on code, full-text search that works
offline (from ``file://`` too), an error gallery, a cheat sheet and a glossary.

The generator is MkDocs with the Material theme (see the README for why). The Markdown pages
and ``mkdocs.yml`` are generated into a temporary folder, so the checkout holds no copy of
the notebooks' content that could drift. The repository's URL (for the Open in Colab and
Binder links) is one setting: ``[project.urls] Repository`` in pyproject.toml.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import tomllib
from pathlib import Path
from urllib.parse import quote

from course_lib.paths import checkout_root
from course_lib.site_pages import Notebook, notebook_page, read_notebook
from course_lib.site_reference import cheat_sheet, error_gallery, glossary

BRANCH = "main"
ASSETS = Path(__file__).with_name("site_assets")
REFERENCE_PAGES = {"errors.md": "Error gallery", "cheatsheet.md": "Cheat sheet", "glossary.md": "Glossary"}
STYLE = """\
.nb-output { border-left: 3px solid var(--md-accent-fg-color--transparent); padding-left: .6rem;
  margin-top: -.6em; }
.nb-output pre > code { background: var(--md-default-bg-color); white-space: pre-wrap; }
.nb-html { overflow-x: auto; font-size: .7rem; }
.nb-html table { border-collapse: collapse; }
.nb-html th, .nb-html td { padding: .1rem .5rem;
  border-bottom: 1px solid var(--md-default-fg-color--lightest); }
.launch-links a { margin-right: .4rem; }
"""


def repository_url(root: Path | None = None) -> str:
    """``[project.urls] Repository`` of pyproject.toml: the one place the URL is written."""
    pyproject = tomllib.loads(((root or checkout_root()) / "pyproject.toml").read_text(encoding="utf-8"))
    return pyproject["project"]["urls"]["Repository"].rstrip("/")


def launch_urls(notebook_path: str, repository: str | None = None) -> dict[str, str]:
    """Open-in-Colab and Binder URLs of ``notebooks/NN_name.ipynb`` on GitHub."""
    repository = repository or repository_url()
    owner_repo = repository.removeprefix("https://github.com/")
    return {
        "colab": f"https://colab.research.google.com/github/{owner_repo}/blob/{BRANCH}/{notebook_path}",
        "binder": f"https://mybinder.org/v2/gh/{owner_repo}/{BRANCH}?labpath={quote(notebook_path, safe='')}",
        "github": f"{repository}/blob/{BRANCH}/{notebook_path}",
    }


def launch_links(notebook: Notebook, repository: str) -> str:
    urls = launch_urls(f"notebooks/{notebook.path.name}", repository)
    return (
        '<p class="launch-links" markdown>'
        f"[Open in Colab]({urls['colab']}){{ .md-button }} "
        f"[Open in Binder]({urls['binder']}){{ .md-button }} "
        f"[Notebook on GitHub]({urls['github']}){{ .md-button }}"
        "</p>"
    )


def index_page(notebooks: list[Notebook], repository: str) -> str:
    rows = "\n".join(
        f"| [{nb.short_title}]({nb.page}) | {nb.title.partition(':')[2].strip()} |" for nb in notebooks
    )
    first = launch_urls(f"notebooks/{notebooks[0].path.name}", repository) if notebooks else {}
    start = (
        f"Run it yourself: [Open in Colab]({first['colab']}) · [Open in Binder]({first['binder']}) · "
        f"[the repository]({repository}) (its README says how to set up Colab and a local copy)."
        if first
        else ""
    )
    return (
        "# PostgreSQL through SQLModel\n\n"
        "A course of numbered Jupyter notebooks that run on a real PostgreSQL. These pages show each "
        "notebook with the outputs it printed when it was last run; use the search box for an error "
        "message or a term.\n\n"
        f"{start}\n\n| lesson | what it teaches |\n|---|---|\n{rows}\n\n"
        "Reference: the [error gallery](errors.md) (every error the course runs on purpose), the "
        "[cheat sheet](cheatsheet.md) (the patterns people copy) and the [glossary](glossary.md).\n"
    )


def config(docs: Path, output: Path, notebooks: list[Notebook]) -> dict:
    """mkdocs.yml as a dict (written as JSON, which is YAML)."""
    return {
        "site_name": "PostgreSQL through SQLModel",
        "docs_dir": str(docs),
        "site_dir": str(output),
        "use_directory_urls": False,  # pages as NAME.html: browsable from file://
        "strict": False,
        "theme": {
            "name": "material",
            "font": False,  # no Google Fonts: the system's fonts, no request leaves the machine
            "features": ["navigation.footer", "content.code.copy", "search.highlight", "navigation.top"],
        },
        "plugins": ["search", "offline"],  # offline: the search index inlined for file://
        "extra": {"polyfills": ["assets/iframe-worker-shim.js"], "generator": False},
        "extra_css": ["assets/course.css"],
        "markdown_extensions": [
            "admonition",
            "attr_list",
            "def_list",
            "md_in_html",
            "tables",
            "pymdownx.details",
            "pymdownx.superfences",
            {"pymdownx.highlight": {"anchor_linenums": False}},
            {"toc": {"permalink": True}},
        ],
        "nav": [
            {"Home": "index.md"},
            {"Lessons": [{nb.short_title: nb.page} for nb in notebooks]},
            {"Reference": [{title: page} for page, title in REFERENCE_PAGES.items()]},
        ],
        "validation": {"links": {"not_found": "info", "anchors": "info", "unrecognized_links": "info"}},
    }


def write_docs(docs: Path, notebooks_dir: Path, root: Path) -> tuple[list[Notebook], str]:
    """The Markdown pages and assets of the site, from the notebooks."""
    repository = repository_url(root)
    notebooks = [read_notebook(path) for path in sorted(notebooks_dir.glob("[0-9][0-9]_*.ipynb"))]
    file_url = f"{repository}/blob/{BRANCH}/notebooks/"
    for notebook in notebooks:
        page = notebook_page(notebook, docs, launch_links(notebook, repository), file_url)
        (docs / notebook.page).write_text(page, encoding="utf-8")
    (docs / "index.md").write_text(index_page(notebooks, repository), encoding="utf-8")
    (docs / "errors.md").write_text(error_gallery(notebooks), encoding="utf-8")
    (docs / "cheatsheet.md").write_text(cheat_sheet(notebooks), encoding="utf-8")
    (docs / "glossary.md").write_text(glossary(notebooks), encoding="utf-8")
    (docs / "assets").mkdir(exist_ok=True)
    shutil.copy(ASSETS / "iframe-worker-shim.js", docs / "assets")
    (docs / "assets" / "course.css").write_text(STYLE, encoding="utf-8")
    return notebooks, repository


def build_site(output: Path | None = None, notebooks: Path | None = None) -> list[Path]:
    """Build the site into ``output`` (default ``site/``); return its pages, index first."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    root = checkout_root()
    notebooks = notebooks or root / "notebooks"
    output = (output or root / "site").resolve()
    with tempfile.TemporaryDirectory(prefix="course-site-") as temporary:
        docs = Path(temporary) / "docs"
        docs.mkdir()
        found, _ = write_docs(docs, notebooks, root)
        config_file = Path(temporary) / "mkdocs.yml"
        config_file.write_text(json.dumps(config(docs, output, found), indent=1), encoding="utf-8")
        logging.getLogger("mkdocs").setLevel(logging.WARNING)
        build(load_config(str(config_file)))
    pages = [output / f"{notebook.stem}.html" for notebook in found]
    return [
        output / "index.html",
        *pages,
        *(output / page.replace(".md", ".html") for page in REFERENCE_PAGES),
    ]
