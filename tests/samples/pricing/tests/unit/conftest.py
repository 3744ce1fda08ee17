import asyncio

import pytest
from sqlalchemy import text

from pricing.db import engine


async def _ping():
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
    await engine.dispose()


@pytest.fixture(autouse=True)
def database_is_up():
    """The team's habit: fail fast, before any unit test, when the database is down."""
    asyncio.run(_ping())
