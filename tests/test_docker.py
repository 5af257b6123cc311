"""``COURSE_DB=docker``, for real: a testcontainers PostgreSQL in a Docker engine.

With an engine, each test runs the course in a subprocess with ``COURSE_DB=docker`` and the
image ``COURSE_DOCKER_IMAGE`` names (default ``postgres:18``, the official image). On CI,
``.ci/run`` starts Debian's docker.io and builds a stand-in image from Debian's archive
(``.ci/docker/``), because no registry can be reached there. That image proves
testcontainers' real code path (docker API, environment, published port, readiness check,
URL, teardown) against a real PostgreSQL; it does not prove the official image's entrypoint.

With no engine (a cheap ping, once per session) those tests skip and say why, unless
``COURSE_REQUIRE_DOCKER=1`` (set by ``.ci/run`` once its engine and image are ready, and by
the GitHub workflow): then they fail. The no-engine error and the CI script itself are
checked everywhere.
"""

from __future__ import annotations

import json
import os
import re
import time

import pytest
from helpers import COURSE_SETTINGS, ROOT, run_cli, run_python

IMAGE = os.environ.get("COURSE_DOCKER_IMAGE", "postgres:18")


def docker_env(**overrides: str) -> dict[str, str]:
    """The settings of a process that uses ``COURSE_DB=docker`` (on top of ``helpers.clean_env``)."""
    return {
        "COURSE_DB": "docker",
        "COURSE_DOCKER_IMAGE": IMAGE,
        # Ryuk (testcontainers' reaper) would hide a missing clean-up: these tests check ours.
        "TESTCONTAINERS_RYUK_DISABLED": "true",
        "TC_POOLING_INTERVAL": os.environ.get("TC_POOLING_INTERVAL", "0.1"),
        **overrides,
    }


def skip_or_fail(reason: str) -> None:
    if os.environ.get("COURSE_REQUIRE_DOCKER") == "1":
        pytest.fail(f"COURSE_REQUIRE_DOCKER=1, but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def engine():
    """A Docker client whose engine answers and has (or can pull) ``IMAGE``; else skip."""
    import docker

    from course_lib.container import docker_engine_problem  # docker.from_env(timeout=3).ping()

    problem = docker_engine_problem()
    if problem is not None:
        skip_or_fail(f"no Docker engine answered ({problem}); .ci/run starts one")
    client = docker.from_env(timeout=3)
    try:
        client.images.get(IMAGE)
    except docker.errors.ImageNotFound:
        try:
            docker.from_env(timeout=600).images.pull(IMAGE)
        except Exception as error:
            client.close()
            skip_or_fail(
                f"the Docker engine has no image {IMAGE!r} and cannot pull it "
                f"({type(error).__name__}); set COURSE_DOCKER_IMAGE to a local image "
                "(.ci/run builds one from Debian's archive)"
            )
    yield client
    client.close()


def container_ids(client) -> set[str]:
    return {container.id for container in client.containers.list(all=True)}


PROBE = """
    import asyncio, json
    import docker
    from sqlalchemy import create_engine, text
    from sqlalchemy.ext.asyncio import create_async_engine
    from course_lib import current_server, notebook_database

    db = notebook_database("zz_docker_probe")
    server = current_server()
    query = text(
        "SELECT current_database(), current_setting('server_version_num')::int,"
        " inet_server_addr() IS NOT NULL"
    )
    with create_engine(db.url).connect() as connection:
        database, version_num, over_tcp = connection.execute(query).one()

    async def async_database():
        engine = create_async_engine(db.async_url)
        async with engine.connect() as connection:
            name = (await connection.execute(text("SELECT current_database()"))).scalar_one()
        await engine.dispose()
        return name

    port = str(server.url.port)
    publishing = [
        container
        for container in docker.from_env().containers.list()
        for bindings in (container.ports or {}).values()
        for binding in bindings or []
        if binding.get("HostPort") == port
    ]
    print(json.dumps({
        "kind": server.kind, "repr": repr(db), "password": server.url.password,
        "database": database, "async_database": asyncio.run(async_database()),
        "version_num": version_num, "over_tcp": over_tcp,
        "containers": [[c.id, c.attrs["Config"]["Image"]] for c in publishing],
    }))
"""


def test_notebook_database_is_a_fresh_database_in_a_container_removed_at_exit(engine):
    before = container_ids(engine)
    result = run_python(PROBE, timeout=300, **docker_env())
    assert result.returncode == 0, result.stderr[-3000:]
    probe = json.loads(result.stdout.strip().splitlines()[-1])

    assert probe["kind"] == "docker"
    assert probe["database"] == probe["async_database"] == "course_zz_docker_probe"
    assert probe["version_num"] >= 150000  # the stand-in is Debian's 15, the official image 18
    assert probe["over_tcp"]  # a published TCP port, not the embedded server's Unix socket
    assert probe["password"] and probe["password"] not in probe["repr"] + result.stderr
    [(container_id, image)] = probe["containers"]  # exactly one container serves that port
    assert image == IMAGE
    assert container_id not in before

    # The process has exited: its container is gone, and no other one was left behind.
    assert container_ids(engine) - before == set()


def test_status_reports_the_container(engine):
    before = container_ids(engine)
    result = run_cli("status", timeout=300, **docker_env())
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[0] == "server:    a throw-away Docker container (testcontainers)"
    assert re.fullmatch(r"version:   PostgreSQL 1[5-9].*", lines[1]), lines[1]
    assert "pg_trgm yes, unaccent yes" in result.stdout
    assert container_ids(engine) - before == set()


def test_setup_notebook_runs_end_to_end_in_a_container(engine, monkeypatch):
    """00_setup executed on the container: every cell runs without an error.

    Outputs are not compared (the committed ones are the embedded server's).
    """
    path = ROOT / "notebooks" / "00_setup.ipynb"
    if not path.exists():
        pytest.skip("notebooks/00_setup.ipynb does not exist yet")
    import nbformat
    from nbclient import NotebookClient

    for name, value in docker_env().items():  # the kernel inherits this process's environment
        if os.environ.get(name) != value:
            monkeypatch.setenv(name, value)
    for name in COURSE_SETTINGS:
        if name not in docker_env():
            monkeypatch.delenv(name, raising=False)

    before = container_ids(engine)
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()  # raises CellExecutionError on the first cell that fails

    texts = [
        output.get("text", "") + "".join(str(v) for v in output.get("data", {}).values())
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
    ]
    assert not [o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert any("throw-away Docker container" in text for text in texts)
    # Shell escapes (`!python -m course_lib psql ...`) do not raise: look at what they printed.
    problems = [text for text in texts if re.search(r"\b(error|FATAL|Traceback)\b", text)]
    assert not problems, problems
    # The kernel has shut down: its container is gone with it.
    for _ in range(50):
        if not container_ids(engine) - before:
            break
        time.sleep(0.2)
    assert container_ids(engine) - before == set()


def test_no_engine_fails_within_seconds_naming_the_embedded_default():
    """No Docker engine at all: one clear sentence, no traceback, the alternative named."""
    started = time.monotonic()
    result = run_cli("status", timeout=60, **docker_env(DOCKER_HOST="unix:///nonexistent.sock"))
    seconds = time.monotonic() - started
    assert result.returncode == 2
    assert seconds < 15, seconds  # it fails at once (no socket); the margin is for a loaded machine
    message = result.stderr.strip()
    assert "Traceback" not in message and "\n" not in message, message
    assert message.startswith("error: COURSE_DB=docker needs a running Docker engine"), message
    assert "unset COURSE_DB to use the embedded PostgreSQL" in message
    outside_parentheses = re.sub(r"\([^()]*(\([^()]*\)[^()]*)*\)", "", message)
    assert re.findall(r"[.!?](?:\s|$)", outside_parentheses) == ["."], message  # one sentence


def test_ci_runs_exactly_the_readme_test_command():
    """.ci/run runs the README's test command verbatim, and never picks the server for it."""
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", readme, flags=re.S)
    [command] = [line for block in blocks for line in block.splitlines() if "pytest" in line]
    script = (ROOT / ".ci" / "run").read_text()
    assert command in script.splitlines()
    assert not re.search(r"^\s*(export\s+)?(COURSE_DB|DATABASE_URL)=", script, flags=re.M)
    assert os.access(ROOT / ".ci" / "run", os.X_OK)
