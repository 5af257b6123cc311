"""``python -m course_lib lab`` starts JupyterLab on the course, and a real browser runs 00_setup in it.

JupyterLab runs on a free localhost port with a token, on a copy of the notebook (autosave
must not touch the committed one) and a private embedded server; one JupyterLab serves both
tests. The browser is headless Chromium from the system (Debian: chromium and chromium-driver),
driven by Selenium; nothing downloads a browser. Its test is skipped, with the reason, where
they are absent.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import nbformat
import pytest
from helpers import (
    CHROMEDRIVER,
    CHROMIUM,
    chromium_options,
    clean_env,
    free_port,
    initialised_pgdata,
    memory_tempdir,
)

from course_lib import embedded

ROOT = Path(__file__).resolve().parent.parent

needs_chromium = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="no Chromium and chromedriver on PATH (Debian: apt-get install chromium chromium-driver)",
)


@dataclass(frozen=True)
class Lab:
    base: str  # http://127.0.0.1:PORT
    token: str


@pytest.fixture(scope="module")
def jupyterlab() -> Iterator[Lab]:
    """``python -m course_lib lab``, as a learner starts it, in a copy of the checkout.

    The copy (course_lib/ and 00_setup with its outputs cleared: whatever the page shows
    afterwards, the browser's run produced) keeps autosave away from the committed notebook.
    Its server's data directory is ready-made (``initialised_pgdata``): not what is tested here.
    """
    folder = memory_tempdir("course-browser-")
    shutil.copytree(ROOT / "course_lib", folder / "course_lib", ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "notebooks").mkdir()
    notebook = nbformat.read(ROOT / "notebooks" / "00_setup.ipynb", as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(notebook, folder / "notebooks" / "00_setup.ipynb")
    initialised_pgdata(folder / ".pgdata")
    port, token = free_port(), secrets.token_hex(16)
    lab = subprocess.Popen(
        [sys.executable, "-m", "course_lib", "lab", "--no-browser", "--ip=127.0.0.1",
         f"--port={port}", f"--ServerApp.token={token}", "--LabApp.expose_app_in_browser=True"],
        cwd=folder, env=clean_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/api/status", params={"token": token}, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            pytest.fail("JupyterLab did not answer within 60 s (as root it needs --allow-root)")
        yield Lab(base, token)
    finally:
        lab.terminate()
        lab.wait(timeout=30)
        embedded.stop(folder / ".pgdata")
        shutil.rmtree(folder, ignore_errors=True)
    # Stopping the command stopped JupyterLab itself (no orphan server left on the port).
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base}/api/status", timeout=5)


def test_lab_starts_jupyterlab_on_the_course(jupyterlab: Lab) -> None:
    token = {"token": jupyterlab.token}
    response = httpx.get(f"{jupyterlab.base}/api/contents", params=token)
    assert response.status_code == 200
    names = {item["name"] for item in response.json()["content"]}
    assert "00_setup.ipynb" in names
    # JupyterLab's own settings API: the course's environment defaults are in force.
    settings = httpx.get(
        f"{jupyterlab.base}/lab/api/settings/@jupyterlab/apputils-extension:notification", params=token
    ).json()
    assert settings["schema"]["properties"]["fetchNews"]["default"] == "false"
    assert settings["schema"]["properties"]["checkForUpdates"]["default"] is False


@needs_chromium
def test_run_all_cells_of_00_setup_in_a_real_browser(jupyterlab: Lab) -> None:
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    profile = tempfile.mkdtemp(prefix="course-chromium-")
    options = chromium_options(webdriver, profile)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    try:
        driver.set_script_timeout(120)
        driver.get(f"{jupyterlab.base}/lab/tree/00_setup.ipynb?token={jupyterlab.token}")
        # Wait for JupyterLab and the notebook's kernel, then run every cell; meanwhile, look for
        # first-run prompts (news, updates), which arrive as toasts right after start-up.
        opened = driver.execute_async_script(
            """
            const done = arguments[arguments.length - 1];
            const wait = async () => {
              while (!window.jupyterapp) { await new Promise(r => setTimeout(r, 200)); }
              const app = window.jupyterapp;
              await app.started; await app.restored;
              let panel = null;
              while (!(panel = app.shell.currentWidget) || !panel.sessionContext) {
                await new Promise(r => setTimeout(r, 200));
              }
              await panel.context.ready; await panel.sessionContext.ready;
              const running = app.commands.execute('notebook:run-all-cells');
              await new Promise(r => setTimeout(r, 3000));
              const toasts = Array.from(document.querySelectorAll('.Toastify__toast'))
                .map(e => e.innerText).join(' | ');
              await running;
              done('toasts: ' + toasts);
            };
            wait().catch(e => done('error: ' + e));
            """
        )
        assert opened == "toasts: ", f"00_setup opened with a notification in front of it: {opened}"
        deadline = time.monotonic() + 180
        text = ""
        while time.monotonic() < deadline:
            # From the notebook's model, not the page: JupyterLab renders only the cells in view.
            text = driver.execute_script(
                """
                const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
                const texts = [];
                for (let i = 0; i < cells.length; i++) {
                  for (const output of cells.get(i).toJSON().outputs || []) {
                    const value = output.text || (output.data || {})['text/plain'] || '';
                    texts.push(Array.isArray(value) ? value.join('') : value);
                  }
                }
                return texts.join('\\n');
                """
            )
            if "nb00-statements (reference solution): passed" in text:
                break
            time.sleep(0.2)
        assert "PostgreSQL 18" in text
        assert "✅ nb00-add-note (reference solution): passed" in text
        assert "✅ nb00-statements (reference solution): passed" in text, text[-2000:]
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
