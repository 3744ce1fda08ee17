import os

import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from tickets.storage import Base

SERVER = os.environ["DATABASE_URL"].rstrip("/")
TEST_DATABASE = "tickets_test"


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def engine():
    admin = create_async_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f"DROP DATABASE IF EXISTS {TEST_DATABASE}"))
        await connection.execute(text(f"CREATE DATABASE {TEST_DATABASE}"))
    engine = create_async_engine(f"{SERVER}/{TEST_DATABASE}")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    yield engine
    await engine.dispose()
    async with admin.connect() as connection:
        await connection.execute(text(f"DROP DATABASE {TEST_DATABASE} WITH (FORCE)"))
    await admin.dispose()


@pytest_asyncio.fixture(loop_scope="session")
async def session(engine):
    async with engine.connect() as connection:
        transaction = await connection.begin()
        async with AsyncSession(bind=connection) as session:
            yield session
        await transaction.rollback()


@pytest.fixture
def ticket_title():
    return "Printer on fire"
