"""Every notebook runs without an error on PostgreSQL 15, the oldest version the course supports.

The committed outputs are PostgreSQL 18's and nbval compares them strictly; here each notebook is
executed through nbclient against Debian's PostgreSQL (the password-authenticated server of
tests/test_external_server.py) with ``DATABASE_URL``, and must run to the end: a cell that needs 18
says so and shows the older way instead of raising. Outputs may differ and are not compared.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from helpers import ROOT, postgres_bin_dir
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

pytestmark = pytest.mark.skipif(
    postgres_bin_dir() is None,
    reason="no system PostgreSQL server (initdb and pg_ctl, e.g. Debian's postgresql-15) on this machine",
)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_runs_on_an_older_postgresql(path: Path, external_server, monkeypatch):
    major = int(external_server.version.split(".")[0])
    if major >= 18:
        pytest.skip(f"the system PostgreSQL is {external_server.version}, not older than 18")
    for name in ("COURSE_DB", "COURSE_PGDATA", "COURSE_DOCKER_IMAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", external_server.url("learner"))  # the kernel inherits it
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    try:
        client.execute()
    except CellExecutionError as error:
        first_line = str(error).strip().splitlines()[-1]
        pytest.fail(f"{path.name} raised on PostgreSQL {external_server.version}: {first_line}")
    text = nbformat.writes(notebook)
    assert f"Note: this server is PostgreSQL {major}" in text  # notebook_database() said what differs
    assert external_server.learner_password not in text
