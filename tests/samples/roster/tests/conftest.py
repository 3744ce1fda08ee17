import asyncio
import os

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from roster.db import Base

# Our tests never touch the real database: same server, name prefixed with test_.
REAL_URL = make_url(os.environ["DATABASE_URL"])
TEST_URL = REAL_URL.set(database=f"test_{REAL_URL.database}")


async def _admin(statement: str) -> None:
    engine = create_async_engine(REAL_URL.set(database="postgres"), isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(statement))
    await engine.dispose()


async def _create() -> None:
    await _admin(f'DROP DATABASE IF EXISTS "{TEST_URL.database}"')
    await _admin(f'CREATE DATABASE "{TEST_URL.database}"')
    engine = create_async_engine(TEST_URL)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    await engine.dispose()


@pytest.fixture(scope="session")
def test_db_url():
    asyncio.run(_create())
    yield TEST_URL
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{TEST_URL.database}" WITH (FORCE)'))


@pytest.fixture
async def session(test_db_url):
    engine = create_async_engine(test_db_url, poolclass=NullPool)
    async with AsyncSession(engine, expire_on_commit=False) as session:
        yield session
    async with engine.begin() as connection:
        await connection.execute(text("TRUNCATE members"))
    await engine.dispose()
