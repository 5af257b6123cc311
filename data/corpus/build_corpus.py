"""Build ``python_docs.jsonl``: the text corpus of notebook 06 (full-text search).

Every document is text that ships with CPython itself, so the corpus is free to
redistribute (PSF License) and needs no network:

- the language reference as ``pydoc`` shows it (``pydoc_data.topics.topics``),
  one document per section of each topic;
- the docstrings of a fixed list of standard-library modules and of the public
  functions and classes they define.

The build is deterministic for a given Python version (sorted keys, fixed module
list, no timestamps).  Run it from the repository root with the course's Python:

    .venv/bin/python data/corpus/build_corpus.py

and commit the regenerated ``data/corpus/python_docs.jsonl``.
"""

from __future__ import annotations

import importlib
import inspect
import json
import sys
import warnings
from pathlib import Path

OUTPUT = Path(__file__).with_name("python_docs.jsonl")

# Pure-Python modules with real prose in their docstrings; nothing that opens a
# window, a browser or prints on import.
MODULES = [
    "abc",
    "argparse",
    "ast",
    "asyncio",
    "base64",
    "bisect",
    "calendar",
    "cmd",
    "codecs",
    "collections",
    "contextlib",
    "copy",
    "csv",
    "dataclasses",
    "datetime",
    "decimal",
    "difflib",
    "enum",
    "fileinput",
    "fnmatch",
    "fractions",
    "ftplib",
    "functools",
    "getopt",
    "gettext",
    "glob",
    "gzip",
    "hashlib",
    "heapq",
    "hmac",
    "html",
    "http.client",
    "imaplib",
    "inspect",
    "io",
    "ipaddress",
    "json",
    "locale",
    "logging",
    "mailbox",
    "mimetypes",
    "netrc",
    "numbers",
    "operator",
    "optparse",
    "os",
    "pathlib",
    "pickle",
    "pkgutil",
    "platform",
    "plistlib",
    "poplib",
    "pprint",
    "queue",
    "quopri",
    "random",
    "re",
    "sched",
    "secrets",
    "selectors",
    "shelve",
    "shlex",
    "shutil",
    "smtplib",
    "socket",
    "socketserver",
    "sqlite3",
    "statistics",
    "string",
    "struct",
    "subprocess",
    "tarfile",
    "tempfile",
    "textwrap",
    "threading",
    "timeit",
    "tokenize",
    "trace",
    "traceback",
    "types",
    "typing",
    "unittest",
    "urllib.parse",
    "urllib.request",
    "uuid",
    "warnings",
    "wave",
    "weakref",
    "zipfile",
    "zipimport",
    "zoneinfo",
]

MIN_BODY = 200  # characters: shorter docstrings say too little to rank
MAX_BODY = 6000  # characters: a few huge docstrings would dominate every ranking


def topic_documents() -> list[dict[str, str]]:
    """One document per ``====``-underlined section of each pydoc topic."""
    from pydoc_data.topics import topics

    documents = []
    for key in sorted(topics):
        text = topics[key]
        lines = text.splitlines()
        # The topic's title is its first line (underlined with '*').
        topic_title = lines[0].strip()
        sections: list[tuple[str, list[str]]] = [(topic_title, [])]
        index = 2 if len(lines) > 1 and set(lines[1].strip()) == {"*"} else 0
        while index < len(lines):
            line = lines[index]
            underline = lines[index + 1] if index + 1 < len(lines) else ""
            if line.strip() and underline.strip() and set(underline.strip()) == {"="}:
                sections.append((line.strip(), []))
                index += 2
                continue
            sections[-1][1].append(line)
            index += 1
        for number, (title, body_lines) in enumerate(sections):
            body = "\n".join(body_lines).strip()
            if len(body) < MIN_BODY:
                continue
            if number > 0:
                title = f"{topic_title}: {title}"
            documents.append(
                {"title": title, "body": body[:MAX_BODY], "source": f"pydoc_data.topics[{key!r}]"}
            )
    return documents


def docstring_document(qualified_name: str, doc: str | None) -> dict[str, str] | None:
    doc = inspect.cleandoc(doc or "")
    if len(doc) < MIN_BODY:
        return None
    first_line = doc.splitlines()[0].strip().rstrip(".")
    title = f"{qualified_name}: {first_line}" if first_line else qualified_name
    return {"title": title[:200], "body": doc[:MAX_BODY], "source": f"{qualified_name}.__doc__"}


def docstring_documents() -> list[dict[str, str]]:
    documents = []
    for module_name in MODULES:
        with warnings.catch_warnings():  # typing.io and friends warn when touched
            warnings.simplefilter("ignore", DeprecationWarning)
            documents.extend(module_documents(module_name))
    return documents


def module_documents(module_name: str) -> list[dict[str, str]]:
    """The module's docstring, then those of the functions and classes it defines."""
    module = importlib.import_module(module_name)
    found = docstring_document(module_name, module.__doc__)
    documents = [found] if found else []
    for name in sorted(vars(module)):
        obj = vars(module)[name]
        if name.startswith("_") or not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue
        if getattr(obj, "__module__", None) != module_name:
            continue  # re-exported from elsewhere: counted where it is defined
        found = docstring_document(f"{module_name}.{name}", obj.__doc__)
        if found:
            documents.append(found)
    return documents


def build() -> list[dict[str, object]]:
    documents = topic_documents() + docstring_documents()
    seen: set[str] = set()
    rows: list[dict[str, object]] = []
    for document in documents:
        if document["body"] in seen:  # an alias documented twice
            continue
        seen.add(document["body"])
        rows.append({"id": len(rows) + 1, **document})
    return rows


def main() -> None:
    rows = build()
    with OUTPUT.open("w", encoding="utf-8", newline="\n") as file:
        for row in rows:
            file.write(json.dumps(row, ensure_ascii=False) + "\n")
    version = ".".join(map(str, sys.version_info[:3]))
    print(f"wrote {len(rows)} documents from Python {version} to {OUTPUT.name}")


if __name__ == "__main__":
    main()
