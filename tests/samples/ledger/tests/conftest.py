import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from ledger.db import Base
from tests.fixtures import test_data_tracker  # noqa: F401


@pytest.fixture
async def db_session(tmp_path):
    """Our own: a fresh SQLite file per test."""
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'ledger.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    async with async_sessionmaker(engine, expire_on_commit=False)() as session:
        yield session
    await engine.dispose()
