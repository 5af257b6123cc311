"""Self-checking exercises: check() itself, and the layout of every notebook's exercises.

The structural tests read whatever notebooks exist in notebooks/ (others are
being written while this runs), so nothing here names a notebook.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import (
    assert_hint,
    assert_internal_error,
    assert_learner_error,
    assert_not_answered,
    assert_passes,
    run_module,
    run_python,
)
from sqlalchemy import MetaData, text
from sqlalchemy.orm import Session

from course_lib import Hint, check, check_solution
from course_lib import checks as checks_registry
from course_lib import exercises as exercises_module
from course_lib.exercises import (
    LEVELS,
    STRICT_ENV,
    InternalCheckError,
    Status,
    check_database,
    exercise,
    learner,
    learner_rows,
    run_check,
)

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CHECK_CALL = re.compile(r"""\bcheck(?:_solution)?\(\s*["']([^"']+)["']""")
SOLUTION_CALL = re.compile(r"""\bcheck_solution\(\s*["']([^"']+)["']""")
# `### Exercise 2 ★★ (`nb04-name`, ~10 min)`; the stars and the time are being added (issue 9).
EXERCISE_HEADING = re.compile(
    r"^###\s+Exercise\s+\d+\s+(?:(★{1,3})\s+)?\(`([^`]+)`(?:,\s*~?\d+(?:-\d+)?\s*min)?\)", re.MULTILINE
)


# --- check() ---------------------------------------------------------------------------


@pytest.fixture
def register() -> Iterator:
    """Register throw-away checks; they are removed again after the test."""
    added: list[str] = []

    def add(exercise_id: str, level: int = 1):
        added.append(exercise_id)
        return exercise(exercise_id, level=level)

    yield add
    for exercise_id in added:
        checks_registry.unregister(exercise_id)


@pytest.fixture
def answer_is_42(register):
    calls = []

    @register("zz-test-answer")
    def answer(value, *, unit="none"):
        calls.append(value)
        if (learner(value) if callable(value) else value) != 42:
            raise Hint("think of Deep Thought.")
        return f"the answer, in {unit}."

    return calls


def test_check_prints_a_pass(answer_is_42, capsys):
    assert check("zz-test-answer", 42) is None  # nothing for Jupyter to display as Out[]
    assert capsys.readouterr().out == "✅ zz-test-answer: passed. the answer, in none.\n"


def test_check_passes_keyword_arguments(answer_is_42, capsys):
    assert check("zz-test-answer", 42, unit="towels") is None  # nothing for Jupyter to display as Out[]
    assert capsys.readouterr().out == "✅ zz-test-answer: passed. the answer, in towels.\n"


def test_check_without_a_note(register, capsys):
    register("zz-test-silent")(lambda value: None)
    assert check("zz-test-silent", 1) is None  # nothing for Jupyter to display as Out[]
    assert capsys.readouterr().out == "✅ zz-test-silent: passed.\n"


def test_check_prints_the_hint_and_does_not_raise(answer_is_42, capsys):
    assert check("zz-test-answer", 41) is None  # nothing for Jupyter to display as Out[]
    assert capsys.readouterr().out == "❌ zz-test-answer: not yet. think of Deep Thought.\n"


def test_check_solution_is_labelled_as_the_reference(answer_is_42, capsys):
    assert check_solution("zz-test-answer", 42) is None
    assert check_solution("zz-test-answer", 41) is None
    assert capsys.readouterr().out == (
        "✅ zz-test-answer (reference solution): passed. the answer, in none.\n"
        "❌ zz-test-answer (reference solution): not yet. think of Deep Thought.\n"
    )


@pytest.mark.parametrize(("args", "kwargs"), [((...,), {}), ((42,), {"unit": ...})])
def test_check_handles_the_unanswered_ellipsis(answer_is_42, capsys, args, kwargs):
    assert check("zz-test-answer", *args, **kwargs) is None  # nothing for Jupyter to display as Out[]
    assert capsys.readouterr().out == (
        "❌ zz-test-answer: not answered yet: replace the `...` in the cell above with your answer.\n"
    )
    assert answer_is_42 == []  # the check itself never ran
    assert run_check("zz-test-answer", *args, **kwargs).status is Status.NOT_ANSWERED


def test_check_reports_an_error_in_the_learners_code(answer_is_42, capsys):
    def learners_function():
        return 1 / 0

    assert check("zz-test-answer", learners_function) is None  # nothing for Jupyter to display as Out[]
    assert (
        capsys.readouterr().out == "❌ zz-test-answer: your code raised ZeroDivisionError: division by zero\n"
    )
    assert run_check("zz-test-answer", learners_function).status is Status.LEARNER_ERROR


def test_run_check_returns_without_printing(answer_is_42, capsys):
    assert run_check("zz-test-answer", 42) == (True, "passed. the answer, in none.")
    assert run_check("zz-test-answer", 7) == (False, "not yet. think of Deep Thought.")
    passed, message = result = run_check("zz-test-answer", 7)
    assert (result.passed, result.message, result.status, result.exercise_id) == (
        passed,
        message,
        Status.NOT_YET,
        "zz-test-answer",
    )
    assert run_check("zz-test-answer", 42).status is Status.PASSED
    assert capsys.readouterr().out == ""


def test_an_unknown_id_is_an_authoring_error():
    with pytest.raises(KeyError, match="no exercise 'zz-test-missing'"):
        run_check("zz-test-missing", 1)


def test_two_checks_may_not_share_an_id(register):
    register("zz-test-twice")(lambda value: None)
    with pytest.raises(ValueError, match="two checks are registered as 'zz-test-twice'"):
        register("zz-test-twice")(lambda value: None)


def test_levels_are_one_two_or_three(register):
    assert register("zz-test-level", level=3)(lambda value: None).level == 3
    with pytest.raises(ValueError, match="level is 1, 2 or 3"):
        exercise("zz-test-level-4", level=4)


# --- who is to blame: the learner, or the check -------------------------------------------------


@pytest.fixture
def broken_hint(register):
    """A check with a bug in one hint path (a NameError), like the one issue 9 found in nb04."""

    @register("zz-test-broken")
    def broken(value):
        if value == 42:
            return "fine."
        if value < 0:
            raise Hint(f"negative {undefined_name}.")  # noqa: F821 -- the injected fault
        raise Hint("too small.")


def test_a_bug_in_a_check_is_reported_as_an_internal_error(broken_hint, capsys, monkeypatch):
    monkeypatch.delenv(STRICT_ENV, raising=False)  # as in a learner's kernel
    assert run_check("zz-test-broken", 42).status is Status.PASSED
    assert run_check("zz-test-broken", 1).status is Status.NOT_YET
    result = run_check("zz-test-broken", -1)
    assert result.status is Status.INTERNAL_ERROR and not result.passed
    check("zz-test-broken", -1)
    assert capsys.readouterr().out == (
        "❌ zz-test-broken: internal error in the check for zz-test-broken "
        "(NameError: name 'undefined_name' is not defined); please report it: this is not your mistake.\n"
    )


def test_under_tests_a_bug_in_a_check_raises(broken_hint):
    """tests/conftest.py makes checks strict, so even `assert not run_check(...)[0]` cannot pass over it."""
    assert exercises_module.strict()
    with pytest.raises(InternalCheckError, match="internal error in the check for zz-test-broken") as caught:
        run_check("zz-test-broken", -1)
    assert isinstance(caught.value.__cause__, NameError)


def test_an_exception_outside_learner_is_the_checks_fault(register, monkeypatch):
    """Calling the learner's function without learner() would blame the check: use learner()."""
    monkeypatch.delenv(STRICT_ENV, raising=False)
    register("zz-test-direct")(lambda function: function())
    register("zz-test-wrapped")(lambda function: learner(function))
    assert run_check("zz-test-direct", lambda: {}["x"]).status is Status.INTERNAL_ERROR
    result = run_check("zz-test-wrapped", lambda: {}["x"])
    assert (result.status, result.message) == (Status.LEARNER_ERROR, "your code raised KeyError: 'x'")


def test_learner_wants_something_to_call(register):
    register("zz-test-call")(lambda function: learner(function))
    result = run_check("zz-test-call", 42)
    assert result.status is Status.NOT_YET and "should be a function" in result.message


def test_the_test_helpers_assert_the_precise_outcome(answer_is_42, broken_hint):
    assert assert_passes("zz-test-answer", 42) == "passed. the answer, in none."
    assert assert_hint("zz-test-answer", 41, contains="Deep Thought") == "not yet. think of Deep Thought."
    assert_hint("zz-test-answer", 41, contains=("think", "Deep"))
    with pytest.raises(AssertionError, match="not in the message"):
        assert_hint("zz-test-answer", 41, contains="Marvin")
    with pytest.raises(AssertionError, match="expected 'not yet', got"):
        assert_hint("zz-test-answer", 42, contains="Deep Thought")
    with pytest.raises(AssertionError, match="expected 'passed', got"):
        assert_passes("zz-test-answer", 41)
    assert_learner_error("zz-test-answer", lambda: 1 / 0, contains="your code raised ZeroDivisionError")
    assert_not_answered("zz-test-answer", ...)
    assert_internal_error("zz-test-broken", -1, contains="NameError")
    with pytest.raises(AssertionError, match="expected 'internal error'"):
        assert_internal_error("zz-test-broken", 1)


def test_a_fault_injected_into_a_check_fails_the_test_that_covers_it(broken_hint):
    """What tests/test_checks_nbNN.py do, against a check with a NameError in a hint path."""
    with pytest.raises(InternalCheckError):
        assert_hint("zz-test-broken", -1, contains="negative")
    with pytest.raises(InternalCheckError):
        assert not run_check("zz-test-broken", -1)[0]  # even the weakest assertion cannot pass over it


def test_a_fault_injected_into_a_real_check_module_fails_its_tests(tmp_path):
    """Remove `Hint` from notebook 00's check module: every hint path raises NameError, and its tests fail."""
    module = checks_registry.module_names("00")[0]
    (tmp_path / "inject_fault.py").write_text(
        "import importlib\n"
        "def pytest_configure(config):\n"
        f"    module = importlib.import_module({module!r})\n"
        "    del module.Hint\n"
    )
    done = run_module(
        "pytest", "-p", "inject_fault", "-p", "no:randomly", "-x", "-q", "tests/test_checks_nb00.py",
        timeout=300, PYTHONPATH=str(tmp_path),
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "InternalCheckError: internal error in the check for nb00-" in done.stdout
    assert "NameError: name 'Hint' is not defined" in done.stdout


# --- each notebook loads only its own checks --------------------------------------------------


@pytest.fixture
def fake_check_modules(tmp_path, monkeypatch):
    """Two check modules of made-up notebooks 97 (fine) and 98 (broken), on the package's path."""
    (tmp_path / "nb97_fine.py").write_text(
        "from course_lib.exercises import Hint, exercise\n"
        "@exercise('nb97-fine', level=2)\n"
        "def fine(value):\n"
        "    if value != 1:\n"
        "        raise Hint('one.')\n"
    )
    (tmp_path / "nb98_broken.py").write_text(
        "from course_lib.exercises import exercise\n"
        "@exercise('nb98-first')\n"
        "def first(value):\n"
        "    return None\n"
        "import a_module_that_does_not_exist\n"
    )
    monkeypatch.setattr(checks_registry, "__path__", [*checks_registry.__path__, str(tmp_path)])
    yield
    for name in ("nb97_fine", "nb98_broken"):
        sys.modules.pop(f"course_lib.checks.{name}", None)
    for exercise_id in ("nb97-fine", "nb98-first"):
        checks_registry.unregister(exercise_id)


def test_a_check_loads_only_its_notebooks_module(fake_check_modules):
    assert run_check("nb97-fine", 1).passed
    assert "course_lib.checks.nb97_fine" in sys.modules
    assert "course_lib.checks.nb98_broken" not in sys.modules
    assert checks_registry.find("nb97-fine").level == 2


def test_a_broken_module_breaks_only_its_own_notebook(fake_check_modules, monkeypatch, capsys):
    monkeypatch.delenv(STRICT_ENV, raising=False)
    check("nb98-first", 1)
    assert capsys.readouterr().out == (
        "❌ nb98-first: internal error in the check for nb98-first (ModuleNotFoundError: No module named "
        "'a_module_that_does_not_exist'); please report it: this is not your mistake.\n"
    )
    assert "nb98-first" not in checks_registry.registered()  # what it registered before failing is gone
    assert run_check("nb97-fine", 2).status is Status.NOT_YET  # notebook 97 is not affected
    monkeypatch.setenv(STRICT_ENV, "1")
    with pytest.raises(InternalCheckError, match="check for nb98-first"):
        run_check("nb98-first", 1)  # tried again (and failing again), not "two checks registered"
    with pytest.raises(ModuleNotFoundError):
        checks_registry.load_all()  # the tests that load every module see it


def test_an_unknown_id_lists_its_notebooks_exercises(fake_check_modules):
    with pytest.raises(KeyError, match="no exercise 'nb97-typo'; known: nb97-fine"):
        run_check("nb97-typo", 1)
    with pytest.raises(KeyError, match="no exercise 'nb96-nothing'; known: none"):
        run_check("nb96-nothing", 1)


def test_importing_the_course_loads_no_check_module():
    code = (
        "import sys, course_lib, course_lib.exercises\n"
        "print(sorted(name for name in sys.modules if name.startswith('course_lib.checks.')))\n"
    )
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "[]\n"  # the registry (course_lib.checks itself) imports no check module


def test_a_real_notebooks_check_loads_only_that_notebooks_module():
    modules = checks_registry.module_names()
    assert len(modules) >= 12
    first_module = modules[0]
    exercise_id = next(entry.id for entry in course_exercises().values() if entry.module == first_module)
    code = (
        "import sys\n"
        "from course_lib import checks\n"
        f"checks.find({exercise_id!r})\n"
        "print(sorted(name for name in sys.modules if name.startswith('course_lib.checks.')))\n"
    )
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"[{first_module!r}]\n"


# --- learner_rows and check_database ----------------------------------------------------------


@pytest.fixture(scope="module")
def scratch_engine():
    with check_database() as engine:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE item (id int PRIMARY KEY, name text)"))
            conn.execute(text("INSERT INTO item VALUES (1, 'crème'), (2, NULL), (3, 'zeta')"))
        yield engine


@pytest.fixture
def names_query(register):
    @register("zz-test-query")
    def names(query, engine):
        got = learner_rows(engine, query, minimum=1)
        expected = [("crème",), ("zeta",)]
        if got != expected:
            raise Hint("keep the named items only, by id.")
        return "right."


def test_learner_rows_runs_every_kind_of_query(scratch_engine):
    from sqlalchemy import column, select, table

    item = table("item", column("id"), column("name"))
    expected = [(1, "crème"), (2, None), (3, "zeta")]
    assert learner_rows(scratch_engine, "SELECT id, name FROM item ORDER BY id") == expected
    assert (
        learner_rows(scratch_engine, text("SELECT id, name FROM item WHERE id > :n ORDER BY id"), n=1)
        == (expected[1:])
    )
    assert learner_rows(scratch_engine, select(item.c.id, item.c.name).order_by(item.c.id)) == expected
    with scratch_engine.connect() as conn:
        assert learner_rows(conn, "SELECT count(*) FROM item") == [(3,)]
    with Session(scratch_engine) as session:
        assert learner_rows(session, "SELECT count(*) FROM item") == [(3,)]


def test_learner_rows_of_a_sqlmodel_select_are_column_values(scratch_engine):
    from sqlmodel import Field, SQLModel, select

    class Item(SQLModel, table=True, metadata=MetaData()):
        id: int = Field(primary_key=True)
        name: str | None

    assert learner_rows(scratch_engine, select(Item).where(Item.id == 3)) == [(3, "zeta")]
    assert learner_rows(scratch_engine, select(Item.name).where(Item.id == 1)) == [("crème",)]


def test_a_learners_query_error_is_theirs(names_query, scratch_engine):
    assert run_check(
        "zz-test-query",
        "SELECT name FROM item WHERE id >= :minimum AND name IS NOT NULL ORDER BY id",
        scratch_engine,
    ).passed
    result = run_check("zz-test-query", "SELECT name FROM items", scratch_engine)
    assert result.status is Status.LEARNER_ERROR
    assert result.message.startswith('your query raised UndefinedTable: relation "items" does not exist')
    assert run_check("zz-test-query", "SELECT name FROM item", scratch_engine).status is Status.NOT_YET
    result = run_check("zz-test-query", 42, scratch_engine)
    assert result.status is Status.NOT_YET and "should be a query" in result.message


# What makes a database "empty": compared between a check's scratch database and a new one.
FINGERPRINT = """
SELECT (SELECT array_agg(concat_ws(' ', nspname, nspowner::regrole, nspacl) ORDER BY nspname)
          FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%') AS schemas,
       (SELECT array_agg(extname ORDER BY extname) FROM pg_extension) AS extensions,
       (SELECT count(*) FROM pg_class JOIN pg_namespace ON pg_namespace.oid = relnamespace
          WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema') AS relations,
       (SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace) AS functions,
       (SELECT count(*) FROM pg_type WHERE typnamespace = 'public'::regnamespace) AS types,
       (SELECT count(*) FROM pg_largeobject_metadata) AS large_objects,
       (SELECT count(*) FROM pg_default_acl) AS default_privileges,
       (SELECT setconfig FROM pg_db_role_setting WHERE setdatabase =
          (SELECT oid FROM pg_database WHERE datname = current_database()) AND setrole = 0) AS settings,
       (SELECT count(*) FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid()) AS other_connections
"""


def fingerprint(engine) -> tuple:
    with engine.connect() as conn:
        return tuple(conn.execute(text(FINGERPRINT)).one())


@pytest.fixture
def new_database(scratch_name, embedded):
    """The fingerprint of a database CREATE DATABASE has just made (as notebook_database does)."""
    from sqlalchemy import create_engine

    from course_lib.databases import notebook_database

    engine = create_engine(notebook_database(scratch_name("fresh")).url)
    try:
        return fingerprint(engine)
    finally:
        engine.dispose()


def test_two_checks_at_once_get_two_empty_databases_in_utc(new_database):
    with check_database() as first, check_database() as second:
        names = [engine.url.database for engine in (first, second)]
        assert names[0] != names[1] and all(name.startswith("course-check-") for name in names)
        for engine in (first, second):
            assert fingerprint(engine) == new_database
            with engine.connect() as conn:
                assert conn.execute(text("SHOW timezone")).scalar() == "UTC"


LEFTOVERS = [
    "CREATE EXTENSION pg_trgm",
    "CREATE TABLE item (id int PRIMARY KEY, name text)",
    "CREATE TYPE mood AS ENUM ('ok')",
    "CREATE FUNCTION answer() RETURNS int LANGUAGE sql AS 'SELECT 42'",
    "CREATE SCHEMA app",
    "CREATE TABLE app.note (body text)",
    "REVOKE USAGE ON SCHEMA public FROM PUBLIC",
    "SELECT lo_create(0)",
]


@pytest.mark.parametrize("unusual", [None, "ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC"])
def test_whatever_a_check_leaves_is_gone_for_the_next_one(new_database, unusual):
    """Objects, settings, and a crashed check's connection holding a lock: the next check of the
    same slot starts from a database like a new one (a setting it cannot undo: made afresh)."""
    with pytest.raises(RuntimeError), check_database() as engine:
        name = engine.url.database
        with engine.begin() as conn:
            for statement in [*LEFTOVERS, *([unusual] if unusual else [])]:
                conn.execute(text(statement))
            conn.execute(text(f"ALTER DATABASE \"{name}\" SET work_mem TO '8MB'"))
        stuck = engine.connect()  # left open, idle in a transaction that holds a lock
        stuck.execute(text("LOCK TABLE item"))
        raise RuntimeError("the check crashed")
    for _ in range(20):  # another worker may hold that slot for a moment
        with check_database() as engine:
            if engine.url.database == name:
                assert fingerprint(engine) == new_database
                return
    pytest.fail(f"{name} was never free again")


# --- every notebook's exercises -----------------------------------------------------------


def course_exercises() -> dict[str, checks_registry.Exercise]:
    """Checks registered by course_lib/checks/ (not throw-away ones from the tests above)."""
    return {
        exercise_id: entry
        for exercise_id, entry in checks_registry.load_all().items()
        if entry.module.startswith("course_lib.checks.")
    }


def course_checks() -> dict:
    """The course's check functions, by id."""
    return {exercise_id: entry.function for exercise_id, entry in course_exercises().items()}


def cells(path: Path, kind: str = "code") -> list[dict]:
    notebook = json.loads(path.read_text())
    return [cell for cell in notebook["cells"] if cell["cell_type"] == kind]


def source(cell: dict) -> str:
    return cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])


def stdout(cell: dict) -> str:
    return "".join(
        output["text"] if isinstance(output["text"], str) else "".join(output["text"])
        for output in cell.get("outputs", [])
        if output["output_type"] == "stream" and output.get("name") == "stdout"
    )


def solution_cells(path: Path) -> list[dict]:
    return [cell for cell in cells(path) if "solution" in cell.get("metadata", {}).get("tags", [])]


def notebook_number(path: Path) -> str:
    return path.name.split("_", 1)[0]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_solution_cells_are_hidden_and_pass(path):
    executed = any(cell.get("execution_count") for cell in cells(path))
    for cell in solution_cells(path):
        text = source(cell)
        where = f"{path.name}, solution cell starting {text[:60]!r}"
        assert cell["metadata"].get("jupyter", {}).get("source_hidden") is True, f"{where}: not source_hidden"
        assert text.startswith("# Reference solution (expand to see it)"), where
        ids = CHECK_CALL.findall(text)
        assert ids, f"{where}: a solution ends with its own check(...)"
        if not executed:
            continue  # being written: not run yet (committed notebooks are run, see test_notebook_outputs)
        printed = stdout(cell)
        assert "❌" not in printed, f"{where}: the reference solution fails its check:\n{printed}"
        verdicts = [line for line in printed.splitlines() if line.startswith("✅")]
        assert verdicts, f"{where}: no ✅ in its output"
        assert verdicts[-1].startswith(
            (f"✅ {ids[-1]}: passed.", f"✅ {ids[-1]} (reference solution): passed.")
        ), where
        assert printed.rstrip("\n").splitlines()[-1] == verdicts[-1], f"{where}: the check's ✅ comes last"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_check_used_in_a_notebook_is_registered(path):
    known = course_checks()
    prefix = f"nb{notebook_number(path)}-"
    used = {found for cell in cells(path) for found in CHECK_CALL.findall(source(cell))}
    for exercise_id in sorted(used):
        assert exercise_id in known, f"{path.name} calls check({exercise_id!r}), which no check registers"
        assert exercise_id.startswith(prefix), f"{path.name}: exercise ids start with {prefix!r}"
        module = known[exercise_id].__module__
        assert module.startswith(f"course_lib.checks.{prefix[:-1]}_"), f"{exercise_id} is defined in {module}"
    stars = dict(
        (exercise_id, level)
        for cell in cells(path, "markdown")
        for level, exercise_id in EXERCISE_HEADING.findall(source(cell))
    )
    headings = set(stars)
    for exercise_id, level in sorted(stars.items()):
        registered = LEVELS[getattr(known.get(exercise_id), "level", 1)]
        assert not level or level == registered, (
            f"{path.name}: the heading of {exercise_id} says {level}, its check is registered as {registered}"
        )
    assert headings <= used, f"{path.name}: exercises with no check(...) call: {sorted(headings - used)}"
    hidden = {found for cell in solution_cells(path) for found in CHECK_CALL.findall(source(cell))}
    assert headings <= hidden, (
        f"{path.name}: exercises with no reference solution: {sorted(headings - hidden)}"
    )
    solutions = solution_cells(path)
    elsewhere = {
        found
        for cell in cells(path)
        if cell not in solutions
        for found in SOLUTION_CALL.findall(source(cell))
    }
    assert not elsewhere, (
        f"{path.name}: check_solution(...) outside a reference solution: {sorted(elsewhere)}"
    )
    if any(stars.values()):  # a notebook on issue 9's standard: every exercise has its level...
        unlevelled = sorted(exercise_id for exercise_id, level in stars.items() if not level)
        assert not unlevelled, f"{path.name}: exercise headings without their ★ level: {unlevelled}"
        # ...and its reference solutions never count as the learner's progress
        solved = {found for cell in solutions for found in SOLUTION_CALL.findall(source(cell))}
        assert headings <= solved, (
            f"{path.name}: reference solutions end with check_solution(...): {sorted(headings - solved)}"
        )


def check_tests_text() -> str:
    return "\n".join(path.read_text() for path in sorted((ROOT / "tests").glob("test_checks_*.py")))


@pytest.mark.parametrize("exercise_id", sorted(course_checks()))
def test_every_registered_check_has_a_test(exercise_id):
    text = check_tests_text()
    mentioned = f'"{exercise_id}"' in text or f"'{exercise_id}'" in text
    assert mentioned, (
        f"no tests/test_checks_*.py mentions {exercise_id!r}: test it with a wrong answer and the right one"
    )


def test_the_structural_tests_catch_what_they_should(tmp_path):
    bad = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": "### Exercise 1 (`nb99-missing`)\nDo it."},
            {"cell_type": "code", "metadata": {}, "source": 'check("nb99-missing", answer_1)', "outputs": []},
            {
                "cell_type": "code",
                "metadata": {"tags": ["solution"]},
                "execution_count": 3,
                "source": '# Reference solution (expand to see it)\ncheck("nb99-missing", 1)',
                "outputs": [
                    {"output_type": "stream", "name": "stdout", "text": "❌ nb99-missing: not yet.\n"}
                ],
            },
        ]
    }
    path = tmp_path / "99_bad.ipynb"
    path.write_text(json.dumps(bad))
    with pytest.raises(AssertionError, match="not source_hidden"):
        test_solution_cells_are_hidden_and_pass(path)
    bad["cells"][2]["metadata"]["jupyter"] = {"source_hidden": True}
    path.write_text(json.dumps(bad))
    with pytest.raises(AssertionError, match="fails its check"):
        test_solution_cells_are_hidden_and_pass(path)
    with pytest.raises(AssertionError, match="which no check registers"):
        test_every_check_used_in_a_notebook_is_registered(path)
    with pytest.raises(AssertionError, match="no tests/test_checks_"):
        test_every_registered_check_has_a_test("nb99-never-tested")


def test_the_structural_tests_hold_notebooks_to_the_levelled_standard(tmp_path, monkeypatch):
    (tmp_path / "nb99_fake.py").write_text(
        "from course_lib.exercises import exercise\nexercise('nb99-levelled', level=2)(lambda value: None)\n"
    )
    monkeypatch.setattr(checks_registry, "__path__", [*checks_registry.__path__, str(tmp_path)])

    def notebook(heading: str, learner_call: str, solution_call: str) -> Path:
        path = tmp_path / "99_fake.ipynb"
        solution = {"jupyter": {"source_hidden": True}, "tags": ["solution"]}
        path.write_text(
            json.dumps(
                {
                    "cells": [
                        {"cell_type": "markdown", "metadata": {}, "source": f"{heading}\nDo it."},
                        {"cell_type": "code", "metadata": {}, "source": learner_call, "outputs": []},
                        {"cell_type": "code", "metadata": solution, "source": solution_call, "outputs": []},
                    ]
                }
            )
        )
        return path

    right = (
        "### Exercise 1 ★★ (`nb99-levelled`, ~10 min)",
        'check("nb99-levelled", answer_1)',
        '# Reference solution (expand to see it)\ncheck_solution("nb99-levelled", 1)',
    )
    try:
        test_every_check_used_in_a_notebook_is_registered(notebook(*right))
        with pytest.raises(AssertionError, match="says ★★★, its check is registered as ★★"):
            test_every_check_used_in_a_notebook_is_registered(
                notebook(right[0].replace("★★", "★★★"), *right[1:])
            )
        with pytest.raises(AssertionError, match="reference solutions end with check_solution"):
            test_every_check_used_in_a_notebook_is_registered(
                notebook(*right[:2], right[2].replace("check_solution(", "check("))
            )
        with pytest.raises(AssertionError, match=r"check_solution\(...\) outside a reference solution"):
            test_every_check_used_in_a_notebook_is_registered(
                notebook(right[0], right[1].replace("check(", "check_solution("), right[2])
            )
    finally:
        sys.modules.pop("course_lib.checks.nb99_fake", None)
        checks_registry.unregister("nb99-levelled")
