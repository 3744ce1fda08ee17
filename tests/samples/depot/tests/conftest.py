import asyncio
import os

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from depot.db import Base

# Our own database on the application's server, never the application's.
APP_URL = make_url(os.environ["DATABASE_URL"])
TESTS_URL = APP_URL.set(database=f"{APP_URL.database}_tests")


@pytest.fixture
def anyio_backend():
    return "asyncio"


async def _on_server(statement):
    engine = create_async_engine(APP_URL.set(database="postgres"), isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(statement))
    await engine.dispose()


async def _build():
    await _on_server(f'DROP DATABASE IF EXISTS "{TESTS_URL.database}" WITH (FORCE)')
    await _on_server(f'CREATE DATABASE "{TESTS_URL.database}"')
    engine = create_async_engine(TESTS_URL)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    await engine.dispose()


@pytest.fixture(scope="session")
def tests_database():
    asyncio.run(_build())
    yield TESTS_URL
    asyncio.run(_on_server(f'DROP DATABASE IF EXISTS "{TESTS_URL.database}" WITH (FORCE)'))


@pytest.fixture
async def session(tests_database):
    engine = create_async_engine(tests_database)
    async with engine.connect() as connection:
        outer = await connection.begin()
        async with AsyncSession(bind=connection, expire_on_commit=False) as session:
            yield session
        await outer.rollback()
    await engine.dispose()
