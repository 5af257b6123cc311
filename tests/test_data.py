"""The course data set and its loader, against the real embedded PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from helpers import PYTHON, run
from sqlalchemy import create_engine, func
from sqlalchemy.orm import registry
from sqlmodel import Field, Session, SQLModel, select

from course_lib import notebook_database
from course_lib.data import DATA_DIR, data_path, load_course_data, read_rows

EXPECTED_SIZES = {"users": 40, "projects": 12, "tasks": 300, "tags": 15, "task_tags": 530}


def test_sizes_match_the_readme():
    readme = (DATA_DIR / "README.md").read_text()
    for name, size in EXPECTED_SIZES.items():
        assert len(read_rows(name)) == size
        assert f"| `{name}.csv` | {size} |" in readme


def test_typed_values():
    user = read_rows("users")[0]
    assert isinstance(user["id"], int) and isinstance(user["is_active"], bool)
    assert isinstance(user["created_at"], datetime) and user["created_at"].utcoffset() == timedelta(0)
    tasks = read_rows("tasks.csv")
    assert any(t["description"] is None for t in tasks)
    assert any(t["assignee_id"] is None for t in tasks)
    assert all(isinstance(t["due_date"], date | None) for t in tasks)
    assert all((t["status"] == "done") == (t["completed_at"] is not None) for t in tasks)
    assert {t["status"] for t in tasks} == {"todo", "in_progress", "done", "blocked"}
    assert {t["priority"] for t in tasks} == {1, 2, 3, 4}
    assert any("%" in t["title"] for t in tasks) and any("_" in t["title"] for t in tasks)


def test_keys_are_consistent():
    users = {u["id"] for u in read_rows("users")}
    projects = {p["id"] for p in read_rows("projects")}
    tasks = read_rows("tasks")
    assert all(t["project_id"] in projects for t in tasks)
    assert all(t["assignee_id"] in users for t in tasks if t["assignee_id"] is not None)
    links = [(r["task_id"], r["tag_id"]) for r in read_rows("task_tags")]
    assert len(links) == len(set(links))
    assert len({t["title"] for t in tasks}) == len(tasks)


def test_unknown_file_names_the_known_ones():
    with pytest.raises(FileNotFoundError, match="tasks"):
        data_path("no_such_file")


def test_builder_is_deterministic(tmp_path):
    before = {p.name: p.read_bytes() for p in DATA_DIR.glob("*.csv")}
    copy = tmp_path / "build_dataset.py"
    copy.write_text((DATA_DIR / "build_dataset.py").read_text())
    built = run([PYTHON, str(copy)], cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    after = {p.name: p.read_bytes() for p in tmp_path.glob("*.csv")}
    assert after == before


def make_models():
    """Models on a registry of their own (not SQLModel.metadata), shaped like a notebook's."""

    class Base(SQLModel, registry=registry()):
        pass

    class User(Base, table=True):
        id: int | None = Field(default=None, primary_key=True)
        email: str = Field(unique=True)
        username: str
        is_active: bool = True
        created_at: datetime
        # full_name is in the CSV but not in this model: the loader ignores it.

    class Project(Base, table=True):
        id: int | None = Field(default=None, primary_key=True)
        owner_id: int = Field(foreign_key="user.id")
        name: str
        created_at: datetime

    class Tag(Base, table=True):
        id: int | None = Field(default=None, primary_key=True)
        name: str = Field(unique=True)

    class Task(Base, table=True):
        id: int | None = Field(default=None, primary_key=True)
        project_id: int = Field(foreign_key="project.id")
        assignee_id: int | None = Field(default=None, foreign_key="user.id")
        title: str
        description: str | None = None
        status: str = "todo"
        priority: int = 2
        due_date: date | None = None
        created_at: datetime
        completed_at: datetime | None = None
        archived: bool = False  # not in the CSV: takes its default

    class TaskTagLink(Base, table=True):
        task_id: int = Field(foreign_key="task.id", primary_key=True)
        tag_id: int = Field(foreign_key="tag.id", primary_key=True)

    return Base, User, Project, Tag, Task, TaskTagLink


@pytest.fixture
def engine(scratch_name):
    db = notebook_database(scratch_name("test_data"))
    engine = create_engine(db.url)
    yield engine
    engine.dispose()


def test_load_everything_then_insert_gets_a_fresh_id(engine):
    Base, User, Project, Tag, Task, TaskTagLink = make_models()
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        loaded = load_course_data(
            session, User=User, Project=Project, Tag=Tag, Task=Task, TaskTagLink=TaskTagLink
        )
    assert loaded == {"user": 40, "project": 12, "tag": 15, "task": 300, "tasktaglink": 530}
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Task)).one() == 300
        null_descriptions = session.exec(select(func.count()).where(Task.description.is_(None))).one()
        assert null_descriptions == sum(t["description"] is None for t in read_rows("tasks"))
        first = session.get(User, 1)
        assert first.created_at.utcoffset() == timedelta(0)
        assert session.get(Task, 1).archived is False
        # Later inserts without an id do not collide with the loaded ids.
        user = User(email="new.person@example.com", username="newperson", created_at=first.created_at)
        tag = Tag(name="brand new")
        session.add_all([user, tag])
        session.commit()
        assert (user.id, tag.id) == (41, 16)


def test_load_some_models_only(engine):
    Base, User, _project, Tag, *_ = make_models()
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        assert load_course_data(session, Tag=Tag) == {"tag": 15}
        assert session.exec(select(func.count()).select_from(User)).one() == 0
        session.add(Tag(name="another"))
        session.commit()
        assert session.exec(select(func.max(Tag.id))).one() == 16


def test_reserved_table_name_is_quoted(engine):
    """A table named ``user`` (a reserved word) still gets its sequence moved on."""

    class Base(SQLModel, registry=registry()):
        pass

    class Account(Base, table=True):
        __tablename__ = "user"
        id: int | None = Field(default=None, primary_key=True)
        email: str

    Base.metadata.create_all(engine)
    with Session(engine) as session:
        assert load_course_data(session, User=Account) == {"user": 40}
        account = Account(email="x@example.com")
        session.add(account)
        session.commit()
        assert account.id == 41
