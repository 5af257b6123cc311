"""The static HTML rendering: every notebook, its outputs and its plots, and an index."""

from __future__ import annotations

import base64
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from course_lib.site import build_site

ROOT = Path(__file__).resolve().parent.parent
PNG_1x1 = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )
).decode()


def plot_notebook(folder: Path) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# 99 · A chart"),
        nbformat.v4.new_code_cell(
            "chart()",
            execution_count=1,
            outputs=[
                nbformat.v4.new_output("display_data", data={"image/png": PNG_1x1, "text/plain": "<Figure>"})
            ],
        ),
    ]
    nbformat.write(notebook, folder / "99_chart.ipynb")


def test_build_site_renders_outputs_plots_and_index(tmp_path: Path) -> None:
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    shutil.copy(ROOT / "notebooks" / "00_setup.ipynb", notebooks)
    plot_notebook(notebooks)

    pages = build_site(tmp_path / "site", notebooks)

    index = (tmp_path / "site" / "index.html").read_text()
    assert [page.name for page in pages] == ["index.html", "00_setup.html", "99_chart.html"]
    assert 'href="00_setup.html"' in index and "00 · Setting up" in index
    assert "PostgreSQL 18" in (tmp_path / "site" / "00_setup.html").read_text()
    assert f"data:image/png;base64,{PNG_1x1}" in (tmp_path / "site" / "99_chart.html").read_text()


def test_html_command_writes_the_site(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "course_lib", "html", "--output", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    written = sorted(path.name for path in (tmp_path / "out").glob("*.html"))
    expected = sorted(f"{path.stem}.html" for path in (ROOT / "notebooks").glob("*.ipynb"))
    assert written == sorted(["index.html", *expected])
