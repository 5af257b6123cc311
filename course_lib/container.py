"""``COURSE_DB=docker``: a throw-away PostgreSQL container from testcontainers, per Python process."""

from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import warnings

from sqlalchemy.engine import URL, make_url

from course_lib.errors import CourseSetupError
from course_lib.urls import mask_text

DEFAULT_DOCKER_IMAGE = "postgres:18"


def docker_engine_problem() -> str | None:
    """Why no Docker engine can be used here, or None when one answers a ping."""
    try:
        import docker

        client = docker.from_env(timeout=3)
        client.ping()
        client.close()
    except Exception as error:  # the docker SDK raises many kinds; all mean "no engine"
        # The SDK nests the cause in args (DockerException > ConnectionError > ... >
        # FileNotFoundError): name the innermost one, e.g. "FileNotFoundError: No such file".
        cause: BaseException = error
        while True:
            inner = next((a for a in getattr(cause, "args", ()) if isinstance(a, BaseException)), None)
            inner = inner or cause.__cause__
            if inner is None:
                break
            cause = inner
        text = cause.strerror if isinstance(cause, OSError) and cause.strerror else str(cause)
        first_line = text.splitlines()[0] if text else ""
        where = os.environ.get("DOCKER_HOST") or "the default Docker socket"
        return f"{where}: {type(cause).__name__}: {first_line}".rstrip(": ")
    return None


def start_container(image: str) -> URL:
    # A child of a process that started one (`!python -m course_lib psql 00_setup` in a
    # notebook) uses that container: a container of its own would not hold the notebook's
    # database. The URL (with its password) is passed in the environment, never printed.
    inherited = os.environ.get("_COURSE_DOCKER_URL", "").strip()
    if inherited:
        return make_url(inherited)
    problem = docker_engine_problem()
    if problem is not None:
        raise CourseSetupError(
            f"COURSE_DB=docker needs a running Docker engine, and none answered ({problem}): "
            "start Docker (Docker Desktop, or `sudo systemctl start docker`) and try again, "
            "or unset COURSE_DB to use the embedded PostgreSQL, which needs no Docker."
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from testcontainers.community.postgres import PostgresContainer

    container = PostgresContainer(
        image,
        driver="psycopg",
        username="course",
        password=secrets.token_urlsafe(16),
        dbname="course",
    )
    try:
        container.start()
    except Exception as error:
        with contextlib.suppress(Exception):
            container.stop()  # a container that was created but never got ready: no leftovers
        raise CourseSetupError(
            f"COURSE_DB=docker could not start a container from image {image!r}: "
            f"{mask_text(str(error))}. Set COURSE_DOCKER_IMAGE to an image your engine has "
            "or can pull, or unset COURSE_DB to use the embedded PostgreSQL."
        ) from None
    atexit.register(container.stop)
    url = make_url(container.get_connection_url())
    os.environ["_COURSE_DOCKER_URL"] = url.render_as_string(hide_password=False)
    return url
