import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from ledger.db import Base


@pytest.fixture
async def db_session(tmp_path):
    """Our own: a fresh SQLite file per test."""
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'ledger.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    async with async_sessionmaker(engine, expire_on_commit=False)() as session:
        yield session
    await engine.dispose()


@pytest.fixture
def test_data_tracker():
    """Our own: a list of what a test created."""
    return []
