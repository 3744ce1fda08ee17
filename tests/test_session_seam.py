"""Adoption seams checked in-process: every shape accepted, every refusal pinned.

``template/tests/plugins/session_seam.py`` has no Jinja and no relative imports,
so it is imported straight from the template and exercised with real SQLAlchemy
objects (nothing connects: opening a session does not).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from harness.plugin_modules import load_plugin

FIX = (
    " Fix the answer with `copier update --data {answer}=...` (or edit tests/plugins/seams.py)."
    " See docs/testing.md#adopting-the-suite-into-your-project"
)
SESSION_SHAPES = (
    "It must be an async context manager factory (`async with get_session() as session`), "
    "an async-generator dependency yielding an AsyncSession or an async_sessionmaker "
    "(FastAPI style), or an async_sessionmaker."
)
UOW_SHAPE = (
    "It must be a callable taking the AsyncSession and returning an object with `async with` "
    "and `commit()`; or leave it empty if your code has no unit of work."
)


seam = load_plugin("session_seam")
engine = create_async_engine("sqlite+aiosqlite:///:memory:")
sessions = async_sessionmaker(engine)


def opened_bind(opener: Any) -> str:
    async def open_once() -> str:
        async with opener() as session:
            assert isinstance(session, AsyncSession)
            return str(session.get_bind().engine.url.database)

    return asyncio.run(open_once())


def refusal(answer: str, value: str, problem: str, accepted: str) -> str:
    return re.escape(f"{answer} = {value!r}: {problem}. {accepted}" + FIX.format(answer=answer))


async def yields_a_session() -> AsyncIterator[AsyncSession]:
    async with sessions() as session:
        yield session


async def yields_the_sessionmaker() -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    yield sessions


@asynccontextmanager
async def context_manager_factory() -> AsyncIterator[AsyncSession]:
    async with sessions() as session:
        yield session


@pytest.mark.parametrize(
    "factory",
    [sessions, yields_a_session, yields_the_sessionmaker, context_manager_factory],
    ids=["async_sessionmaker", "dependency-yielding-session", "dependency-yielding-maker", "acm"],
)
def test_every_accepted_shape_opens_a_session_on_the_applications_engine(factory: object) -> None:
    opener = seam.session_opener(factory, value="app.db:factory")

    assert opened_bind(opener) == ":memory:"


async def get_engine_coroutine() -> object:
    return engine


async def yields_an_engine() -> AsyncIterator[object]:
    yield engine


@pytest.mark.parametrize(
    ("factory", "problem"),
    [
        (engine, "it is AsyncEngine"),
        (get_engine_coroutine, "it is a coroutine function"),
        (lambda: engine, "calling it returns AsyncEngine"),
        (yields_an_engine, "it provides AsyncEngine"),
    ],
    ids=["an-engine", "a-coroutine-function", "returns-an-engine", "dependency-yielding-engine"],
)
def test_a_session_seam_of_another_shape_is_refused_naming_the_answer(
    factory: object, problem: str
) -> None:
    expected = refusal("session_import", "app.db:engine", problem, SESSION_SHAPES)

    with pytest.raises(seam.SeamError, match=f"^{expected}$"):
        opened_bind(seam.session_opener(factory, value="app.db:engine"))


def test_an_empty_metadata_is_refused_naming_base_and_entities() -> None:
    problem = (
        "its metadata has no tables, although app.models was imported. Either it is not the "
        "base your models inherit from, or the module defining your models is not "
        "entities_module (fix that one with `copier update --data entities_module=...`)"
    )
    accepted = "It must be the DeclarativeBase your mapped classes inherit from."
    expected = refusal("base_import", "app.db:Base", problem, accepted)

    with pytest.raises(seam.SeamError, match=f"^{expected}$"):
        seam.check_metadata(MetaData(), base="app.db:Base", entities="app.models")


def test_something_else_than_metadata_is_refused() -> None:
    problem = "its .metadata is not SQLAlchemy MetaData"
    expected = refusal("base_import", "app.db:Base", problem, "It must be your DeclarativeBase.")

    with pytest.raises(seam.SeamError, match=f"^{expected}$"):
        seam.check_metadata(object(), base="app.db:Base", entities="app.models")


def test_a_metadata_with_tables_is_accepted() -> None:
    metadata = MetaData()
    Table("things", metadata, Column("id", Integer, primary_key=True))

    assert seam.check_metadata(metadata, base="app.db:Base", entities="app.models") is metadata


class CommitsOnly:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def commit(self) -> None:
        await self.session.commit()


class FullUnitOfWork(CommitsOnly):
    async def __aenter__(self) -> FullUnitOfWork:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.session.rollback()


class NoCommit:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def __aenter__(self) -> NoCommit:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.session.rollback()


class TakesNoSession:
    def __init__(self) -> None:
        self.ready = True


def test_a_unit_of_work_without_async_with_is_refused() -> None:
    problem = "what it returns (CommitsOnly) has no __aenter__, __aexit__"
    expected = refusal("unit_of_work_import", "app.uow:CommitsOnly", problem, UOW_SHAPE)

    with pytest.raises(seam.SeamError, match=f"^{expected}$"):
        seam.check_unit_of_work(CommitsOnly, value="app.uow:CommitsOnly")


def test_a_unit_of_work_without_commit_is_refused() -> None:
    problem = "what it returns (NoCommit) has no commit"
    expected = refusal("unit_of_work_import", "app.uow:NoCommit", problem, UOW_SHAPE)

    with pytest.raises(seam.SeamError, match=f"^{expected}$"):
        seam.check_unit_of_work(NoCommit, value="app.uow:NoCommit")


def test_a_unit_of_work_that_takes_no_session_is_refused() -> None:
    problem = (
        "calling it with a session failed (TakesNoSession.__init__() takes 1 positional "
        "argument but 2 were given)"
    )
    expected = refusal("unit_of_work_import", "app.uow:TakesNoSession", problem, UOW_SHAPE)

    with pytest.raises(seam.SeamError, match=f"^{expected}$"):
        seam.check_unit_of_work(TakesNoSession, value="app.uow:TakesNoSession")


def test_a_full_unit_of_work_is_accepted() -> None:
    seam.check_unit_of_work(FullUnitOfWork, value="app.uow:FullUnitOfWork")


@pytest.mark.parametrize(
    "factory",
    [sessions, yields_a_session, yields_the_sessionmaker, context_manager_factory],
    ids=["async_sessionmaker", "dependency-yielding-session", "dependency-yielding-maker", "acm"],
)
def test_the_engine_behind_every_shape_is_found(factory: object) -> None:
    opener = seam.session_opener(factory, value="app.db:factory")

    found = asyncio.run(seam.bound_engine(opener))

    assert found is engine.sync_engine


def test_sessions_bound_per_table_have_no_engine_to_name() -> None:
    opener = seam.session_opener(async_sessionmaker(), value="app.db:Session")

    assert asyncio.run(seam.bound_engine(opener)) is None


async def needs_a_request(request: object) -> AsyncIterator[AsyncSession]:
    async with sessions() as session:
        yield session


@asynccontextmanager
async def needs_settings(settings: object, *, echo: bool = False) -> AsyncIterator[AsyncSession]:
    async with sessions() as session:
        yield session


@pytest.mark.parametrize(
    ("factory", "named"),
    [(needs_a_request, "parameter 'request'"), (needs_settings, "parameter 'settings'")],
    ids=["dependency-taking-request", "factory-taking-settings"],
)
def test_a_session_seam_that_takes_parameters_is_refused_naming_them(
    factory: object, named: str
) -> None:
    problem = (
        f"it takes the {named}, which the suite cannot supply (it opens sessions outside any "
        f"request). {seam.ZERO_ARGUMENTS}"
    )
    expected = refusal("session_import", "app.deps:get_db", problem, SESSION_SHAPES)
    opener = seam.session_opener(factory, value="app.deps:get_db")

    with pytest.raises(seam.SeamError, match=f"^{expected}$"):
        asyncio.run(seam.engine_at_start(opener, value="app.deps:get_db"))


@asynccontextmanager
async def takes_optional(
    *args: object, echo: bool = False, **kwargs: object
) -> AsyncIterator[AsyncSession]:
    async with sessions() as session:
        yield session


def test_a_session_seam_whose_parameters_are_optional_or_variadic_is_accepted() -> None:
    opener = seam.session_opener(takes_optional, value="app.db:get_session")

    assert (
        asyncio.run(seam.engine_at_start(opener, value="app.db:get_session")) is engine.sync_engine
    )


async def fails_to_open() -> AsyncIterator[AsyncSession]:
    raise RuntimeError("app.state has no db_session_factory")
    yield  # pragma: no cover  (makes it an async generator)


def test_any_failure_to_open_the_applications_session_at_start_up_names_the_answer() -> None:
    problem = (
        "opening a session with it at start-up failed (RuntimeError: app.state has no "
        "db_session_factory); the suite opens one before the first test, outside any request, "
        "to read the database it is bound to"
    )
    expected = refusal("session_import", "app.deps:get_db", problem, SESSION_SHAPES)
    opener = seam.session_opener(fails_to_open, value="app.deps:get_db")

    with pytest.raises(seam.SeamError, match=f"^{expected}$"):
        asyncio.run(seam.engine_at_start(opener, value="app.deps:get_db"))
