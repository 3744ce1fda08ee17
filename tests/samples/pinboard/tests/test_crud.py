import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from pinboard.crud import create_note, list_titles
from pinboard.database import Base


@pytest.fixture
async def db():
    engine = create_async_engine("sqlite+aiosqlite://")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    async with async_sessionmaker(engine, expire_on_commit=False)() as session:
        yield session
    await engine.dispose()


@pytest.mark.asyncio
async def test_notes_are_listed_in_the_order_they_were_written(db):
    await create_note(db, "first", "a")
    await create_note(db, "second", "b")
    assert await list_titles(db) == ["first", "second"]
