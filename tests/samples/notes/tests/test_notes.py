import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from notes.db import Base, Note
from notes.text import summary


def test_summary_keeps_short_text():
    assert summary("buy  milk") == "buy milk"


def test_summary_cuts_long_text():
    assert summary("a" * 30, width=5) == "aaaa…"


@pytest.mark.asyncio
async def test_a_note_is_stored(tmp_path):
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'notes.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    async with AsyncSession(engine) as session:
        session.add(Note(title="groceries", body="milk"))
        await session.commit()
        assert await session.scalar(select(Note.title)) == "groceries"
    await engine.dispose()
