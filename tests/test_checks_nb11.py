"""The checks of 11_fastapi: each mounts a router on its own app and database, and probes it.

The models here mirror the notebook's (User, Task and their data models) on a registry of
their own, so they never meet another test's tables named "user" or "task".
"""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from helpers import assert_hint, assert_learner_error, assert_not_answered, assert_passes
from psycopg import errors as pg_errors
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import registry, selectinload
from sqlmodel import Field, Relationship, Session, SQLModel, delete, select


class Base(SQLModel, registry=registry()):
    pass


class UserBase(Base):
    email: str = Field(unique=True, index=True)
    username: str = Field(index=True)
    is_active: bool = Field(default=True)


class User(UserBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    hashed_password: str
    tasks: list["Task"] = Relationship(back_populates="user")


class UserPublic(UserBase):
    id: int


class TaskBase(Base):
    title: str
    done: bool = False


class Task(TaskBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    user: User | None = Relationship(back_populates="tasks")


class TaskPublic(TaskBase):
    id: int
    user_id: int


class UserPublicWithTasks(UserPublic):
    tasks: list[TaskPublic] = []


def get_session():  # replaced by the check, as the notebook's is
    raise AssertionError("the check should override get_session")


SessionDep = Annotated[Session, Depends(get_session)]


# --- nb11-user-tasks -------------------------------------------------------------------------


def user_tasks_router(
    *,
    check_user=True,
    filter_done=True,
    order=True,
    own_only=True,
    empty_is_404=False,
    public=True,
):
    router = APIRouter()

    @router.get("/users/{user_id}/tasks/", response_model=list[TaskPublic] if public else None)
    def read_user_tasks(user_id: int, session: SessionDep, done: bool | None = None):
        if check_user and session.get(User, user_id) is None:
            raise HTTPException(status_code=404, detail="User not found")
        statement = select(Task)
        if own_only:
            statement = statement.where(Task.user_id == user_id)
        if filter_done and done is not None:
            statement = statement.where(Task.done == done)
        if order:
            statement = statement.order_by(Task.id)
        tasks = session.exec(statement).all()
        if empty_is_404 and not tasks:
            raise HTTPException(status_code=404, detail="No tasks")
        return tasks if public else [{**task.model_dump(), "secret": 1} for task in tasks]

    return router


def test_user_tasks_reference_passes():
    assert_passes("nb11-user-tasks", user_tasks_router(), get_session)


def test_user_tasks_wrong_answers_get_their_hint():
    cases = [
        (dict(check_user=False), "404 (session.get"),
        (dict(filter_done=False), "?done= is ignored"),
        (dict(order=False), "order them by id"),
        (dict(own_only=False), "other users' tasks"),
        (dict(empty_is_404=True, check_user=False), "has no tasks got 404"),
        (dict(public=False), "response_model"),
    ]
    for options, words in cases:
        assert_hint("nb11-user-tasks", user_tasks_router(**options), get_session, contains=words)


def test_user_tasks_required_filter():
    router = APIRouter()

    @router.get("/users/{user_id}/tasks/", response_model=list[TaskPublic])
    def read_user_tasks(user_id: int, done: bool, session: SessionDep):
        if session.get(User, user_id) is None:
            raise HTTPException(status_code=404, detail="User not found")
        statement = select(Task).where(Task.user_id == user_id, Task.done == done)
        return session.exec(statement.order_by(Task.id)).all()

    assert_hint("nb11-user-tasks", router, get_session, contains="the filter is optional")


def test_user_tasks_shapes():
    assert_not_answered("nb11-user-tasks", ..., get_session)
    assert_hint("nb11-user-tasks", "/users/{user_id}/tasks/", get_session, contains="APIRouter")
    assert_hint("nb11-user-tasks", APIRouter(), get_session, contains="no GET /users/{user_id}/tasks/")
    router = APIRouter()

    @router.get("/users/{user_id}/tasks/")
    def broken(user_id: int, session: SessionDep):
        return session.exec(select(Task).where(Task.owner_id == user_id)).all()

    assert_learner_error("nb11-user-tasks", router, get_session, contains="AttributeError")


def test_user_tasks_hard_coded_output_fails():
    """The tasks the notebook printed for ada, returned whatever the database holds."""
    router = APIRouter()

    @router.get("/users/{user_id}/tasks/")
    def hard_coded(user_id: int):
        return [
            {"title": "Write the notes", "done": False, "id": 1, "user_id": 1},
            {"title": "Check the engine", "done": False, "id": 2, "user_id": 1},
        ]

    assert_hint("nb11-user-tasks", router, get_session, contains="other users' tasks")


# --- nb11-open-tasks -------------------------------------------------------------------------


def open_tasks_router(*, eager=True, filter_tasks=True, filter_users=False, order=True, public=True):
    router = APIRouter()

    @router.get("/users-with-open-tasks/", response_model=list[UserPublicWithTasks] if public else None)
    def read_users_with_open_tasks(session: SessionDep):
        statement = select(User)
        if eager:
            tasks = User.tasks.and_(Task.done == False) if filter_tasks else User.tasks  # noqa: E712
            statement = statement.options(selectinload(tasks))
        if filter_users:
            statement = statement.join(Task).where(Task.done == False).distinct()  # noqa: E712
        if order:
            statement = statement.order_by(User.id)
        users = session.exec(statement).all()
        if not eager and filter_tasks:
            return [{**u.model_dump(), "tasks": [t for t in u.tasks if not t.done]} for u in users]
        if not public:
            return [{**u.model_dump(), "tasks": [t.model_dump() for t in u.tasks]} for u in users]
        return users

    return router


def test_open_tasks_reference_passes():
    message = assert_passes("nb11-open-tasks", open_tasks_router(), get_session)
    assert "in 2 queries" in message


def test_open_tasks_filtered_in_python_after_selectinload_passes():
    router = APIRouter()

    @router.get("/users-with-open-tasks/", response_model=list[UserPublicWithTasks])
    def read(session: SessionDep):
        users = session.exec(select(User).options(selectinload(User.tasks)).order_by(User.id)).all()
        return [
            UserPublicWithTasks.model_validate(
                {**user.model_dump(), "tasks": [task for task in user.tasks if not task.done]}
            )
            for user in users
        ]

    assert_passes("nb11-open-tasks", router, get_session)


def test_open_tasks_wrong_answers_get_their_hint():
    cases = [
        (dict(eager=False), "selectinload"),
        (dict(filter_tasks=False), "done are listed too"),
        (dict(filter_users=True), "Filter the tasks, not the users"),
        (dict(order=False), "order them by id"),
        (dict(public=False), "password hash"),
    ]
    for options, words in cases:
        assert_hint("nb11-open-tasks", open_tasks_router(**options), get_session, contains=words)


# --- nb11-delete-user ------------------------------------------------------------------------


def delete_router(*, catch=True, orm=False, precheck=False, cascade=False, status=204, body=False):
    router = APIRouter()

    @router.delete("/users/{user_id}", status_code=status)
    def delete_user(user_id: int, session: SessionDep):
        user = session.get(User, user_id)
        if user is None:
            raise HTTPException(status_code=404, detail="User not found")
        if precheck and session.exec(select(Task.id).where(Task.user_id == user_id)).first() is not None:
            raise HTTPException(status_code=409, detail="The user still has tasks")
        if cascade:
            for task in user.tasks:
                session.delete(task)
        try:
            if orm or cascade:
                session.delete(user)
            else:  # the DELETE runs here, and fails here while the user has tasks
                session.exec(delete(User).where(User.id == user_id))
            session.commit()
        except IntegrityError as error:
            session.rollback()
            if catch and isinstance(error.orig, pg_errors.ForeignKeyViolation):
                raise HTTPException(status_code=409, detail="The user still has tasks") from None
            raise
        return {"deleted": user_id} if body else None

    return router


def test_delete_user_reference_passes():
    assert_passes("nb11-delete-user", delete_router(), get_session)


def test_delete_user_asking_first_passes_too():
    assert_passes("nb11-delete-user", delete_router(precheck=True, orm=True), get_session)


def test_delete_user_wrong_answers_get_their_hint():
    cases = [
        (dict(catch=False), "(a foreign key violation), and the endpoint let"),
        (dict(orm=True), "set their tasks' user_id to NULL"),
        (dict(cascade=True), "neither are their tasks"),
        (dict(status=200, body=True), "204 No Content"),
    ]
    for options, words in cases:
        assert_hint("nb11-delete-user", delete_router(**options), get_session, contains=words)


def test_delete_user_no_404():
    router = APIRouter()

    @router.delete("/users/{user_id}", status_code=204)
    def delete_user(user_id: int, session: SessionDep):
        user = session.get(User, user_id)
        if user is not None:
            session.delete(user)
            session.commit()

    assert_hint("nb11-delete-user", router, get_session, contains="not 404")


def test_delete_user_409_for_everybody():
    router = APIRouter()

    @router.delete("/users/{user_id}", status_code=204)
    def delete_user(user_id: int, session: SessionDep):
        if session.get(User, user_id) is None:
            raise HTTPException(status_code=404)
        raise HTTPException(status_code=409, detail="no")

    assert_hint("nb11-delete-user", router, get_session, contains="still there")


def test_delete_user_needs_get_session():
    assert_hint("nb11-delete-user", delete_router(), "get_session", contains="get_session too")
