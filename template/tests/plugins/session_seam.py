"""Your application's seams, checked at start-up and opened whatever their shape.

``session_import`` may name any of the shapes async SQLAlchemy code uses to hand
out sessions:

- an async context manager factory: ``async with get_session() as session``;
- an async-generator dependency, FastAPI style, yielding a session or a
  sessionmaker: ``async def get_db(): yield session``;
- an ``async_sessionmaker``: ``async with SessionLocal() as session``.

Anything else, a base whose metadata has no tables, or a unit of work without
``commit`` and ``async with`` stops the run before the first test with one
message that names the answer to fix (``SeamError``).
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any
from unittest.mock import create_autospec

from sqlalchemy import Engine, MetaData
from sqlalchemy.exc import UnboundExecutionError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

SessionOpener = Callable[[], AbstractAsyncContextManager[AsyncSession]]

SESSION_SHAPES = (
    "an async context manager factory (`async with get_session() as session`), "
    "an async-generator dependency yielding an AsyncSession or an async_sessionmaker "
    "(FastAPI style), or an async_sessionmaker"
)
UNIT_OF_WORK_SHAPE = (
    "a callable taking the AsyncSession and returning an object with `async with` "
    "and `commit()`; or leave it empty if your code has no unit of work"
)
ZERO_ARGUMENTS = (
    "Answer one that takes no arguments instead: an async_sessionmaker, a session factory or "
    "an async generator. If your application builds its sessionmaker at start-up (on "
    "app.state, in a lifespan), expose one in a module of yours, for example "
    "`session_factory = async_sessionmaker(create_async_engine(<your URL setting>))`, and "
    "answer that module:session_factory"
)
FIX = (
    "Fix the answer with `copier update --data {answer}=...` (or edit "
    "tests/plugins/seams.py). See docs/testing.md#adopting-the-suite-into-your-project"
)


class SeamError(Exception):
    """An answer to ``copier copy`` names something the suite cannot use."""


def seam_error(answer: str, value: str, problem: str, accepted: str) -> SeamError:
    return SeamError(
        f"{answer} = {value!r}: {problem}. It must be {accepted}. " + FIX.format(answer=answer)
    )


def session_opener(factory: object, *, value: str) -> SessionOpener:
    """Adapt the object ``session_import`` names to ``async with opener() as session``."""
    if isinstance(factory, async_sessionmaker):
        return factory
    if inspect.isasyncgenfunction(factory):
        return _from_dependency(factory, value)
    if callable(factory) and not inspect.iscoroutinefunction(factory):
        return _from_context_manager_factory(factory, value)
    kind = "a coroutine function" if callable(factory) else type(factory).__name__
    raise seam_error("session_import", value, f"it is {kind}", SESSION_SHAPES)


def _refuse_parameters(factory: Callable[..., object], value: str) -> None:
    """Refuse parameters a call with no arguments would leave missing (FastAPI's ``request``).

    Checked when a session is first opened, so that ``seams.check`` reports it.
    """
    try:
        parameters = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):  # no signature to read: calling it will tell
        return
    variadic = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    missing = [
        parameter.name
        for parameter in parameters
        if parameter.kind not in variadic and parameter.default is inspect.Parameter.empty
    ]
    if missing:
        names = ", ".join(repr(name) for name in missing)
        problem = (
            f"it takes the parameter{'s' if len(missing) > 1 else ''} {names}, which the suite "
            f"cannot supply (it opens sessions outside any request). {ZERO_ARGUMENTS}"
        )
        raise seam_error("session_import", value, problem, SESSION_SHAPES)


def _from_dependency(
    dependency: Callable[[], AsyncGenerator[object, None]], value: str
) -> SessionOpener:
    @asynccontextmanager
    async def open_session() -> AsyncIterator[AsyncSession]:
        _refuse_parameters(dependency, value)
        generator = dependency()
        try:
            provided = await anext(generator)
            if isinstance(provided, async_sessionmaker):
                async with provided() as session:
                    yield _checked(session, value)
            else:
                yield _checked(provided, value)
        finally:
            await generator.aclose()

    return open_session


def _from_context_manager_factory(factory: Callable[[], object], value: str) -> SessionOpener:
    @asynccontextmanager
    async def open_session() -> AsyncIterator[AsyncSession]:
        _refuse_parameters(factory, value)
        manager = factory()
        if not isinstance(manager, AbstractAsyncContextManager):
            kind = type(manager).__name__
            raise seam_error("session_import", value, f"calling it returns {kind}", SESSION_SHAPES)
        async with manager as session:
            yield _checked(session, value)

    return open_session


def _checked(session: object, value: str) -> AsyncSession:
    if not isinstance(session, AsyncSession):
        kind = type(session).__name__
        raise seam_error("session_import", value, f"it provides {kind}", SESSION_SHAPES)
    return session


def check_metadata(metadata: object, *, base: str, entities: str) -> MetaData:
    """The base's metadata, refused if it has no tables (examples would pass vacuously)."""
    if not isinstance(metadata, MetaData):
        raise seam_error(
            "base_import", base, "its .metadata is not SQLAlchemy MetaData", "your DeclarativeBase"
        )
    if not metadata.tables:
        raise seam_error(
            "base_import",
            base,
            f"its metadata has no tables, although {entities} was imported. Either it is "
            "not the base your models inherit from, or the module defining your models is "
            "not entities_module (fix that one with `copier update --data entities_module=...`)",
            "the DeclarativeBase your mapped classes inherit from",
        )
    return metadata


def check_unit_of_work(factory: Callable[[Any], object], *, value: str) -> None:
    """Build one over a mock session and check it has what the examples use."""
    try:
        unit_of_work = factory(create_autospec(AsyncSession, instance=True))
    except TypeError as error:
        raise seam_error(
            "unit_of_work_import",
            value,
            f"calling it with a session failed ({error})",
            UNIT_OF_WORK_SHAPE,
        ) from None
    missing = [
        name
        for name in ("__aenter__", "__aexit__", "commit")
        if not callable(getattr(type(unit_of_work), name, None))
    ]
    if missing:
        raise seam_error(
            "unit_of_work_import",
            value,
            f"what it returns ({type(unit_of_work).__name__}) has no {', '.join(missing)}",
            UNIT_OF_WORK_SHAPE,
        )


async def bound_engine(opener: SessionOpener) -> Engine | None:
    """The engine your sessions are bound to (``None`` if they have no single bind).

    Opening a session does not connect, so this costs nothing and touches no data.
    """
    async with opener() as session:
        try:
            return session.get_bind().engine
        except UnboundExecutionError:  # bound per table or mapper: no one engine to name
            return None


async def engine_at_start(opener: SessionOpener, *, value: str) -> Engine | None:
    """``bound_engine`` at start-up: any failure to open a session names ``session_import``."""
    try:
        return await bound_engine(opener)
    except SeamError:
        raise
    except Exception as error:
        problem = (
            f"opening a session with it at start-up failed ({type(error).__name__}: {error}); "
            "the suite opens one before the first test, outside any request, to read the "
            "database it is bound to"
        )
        raise seam_error("session_import", value, problem, SESSION_SHAPES) from error
