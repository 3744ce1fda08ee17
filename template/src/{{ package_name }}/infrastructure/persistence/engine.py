"""The application's engine, built on first use from ``DATABASE_URL``.

Nothing connects at import time: tests (and tools) can point ``DATABASE_URL``
elsewhere before the first session is opened.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache

from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from .config import database_url_from_env
from .sqlite import configure_sqlite_engine


def create_database_engine(url: str | URL) -> AsyncEngine:
    """An async engine with this project's per-database settings applied."""
    engine = create_async_engine(url)
    if engine.dialect.name == "sqlite":
        configure_sqlite_engine(engine)
    return engine


@cache
def get_engine() -> AsyncEngine:
    """The application's engine (one per process), created on first call."""
    return create_database_engine(database_url_from_env())


async def dispose_engine() -> None:
    """Close the application's pooled connections; the next call builds a new engine."""
    if get_engine.cache_info().currsize:
        await get_engine().dispose()
        get_engine.cache_clear()


@asynccontextmanager
async def get_session() -> AsyncIterator[AsyncSession]:
    """A session on the application's database; the caller decides when to commit."""
    async with AsyncSession(get_engine(), expire_on_commit=False) as session:
        yield session
