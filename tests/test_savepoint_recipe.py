"""Why the generated project patches SQLite: the naive savepoint recipe leaks every row.

Twenty "tests" each commit one row inside the naive recipe (an outer
transaction, a session joined with ``create_savepoint``, an outer rollback),
on a plain aiosqlite engine and on the project's engine with its SQLite fix.
The figures back the claim in docs/patterns.md.
"""

from __future__ import annotations

import json

from harness.project import GeneratedProject

EXPERIMENT = """
import asyncio, json, os, tempfile
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from music_library.infrastructure.persistence import Base, create_database_engine
from music_library.infrastructure.persistence.models import ArtistRecord

TESTS = 20

async def rows_left(make_engine):
    handle, path = tempfile.mkstemp(suffix=".db")
    os.close(handle)
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    for number in range(TESTS):
        async with engine.connect() as connection:
            outer = await connection.begin()
            session = AsyncSession(bind=connection, join_transaction_mode="create_savepoint")
            session.add(ArtistRecord(name=f"artist {number}"))
            await session.commit()
            await session.close()
            await outer.rollback()
    async with engine.connect() as connection:
        left = await connection.scalar(select(func.count()).select_from(ArtistRecord))
    await engine.dispose()
    os.remove(path)
    return left

async def main():
    print(json.dumps({
        "tests": TESTS,
        "naive": await rows_left(create_async_engine),
        "fixed": await rows_left(create_database_engine),
    }))

asyncio.run(main())
"""


def test_naive_recipe_leaks_every_committed_row_and_the_fix_leaks_none(
    default_project: GeneratedProject,
) -> None:
    result = default_project.run(default_project.bin("python"), "-c", EXPERIMENT, check=True)
    figures = json.loads(result.stdout)

    assert figures == {"tests": 20, "naive": 20, "fixed": 0}
