import asyncio
import os

from alembic import context
from sqlalchemy.ext.asyncio import create_async_engine

from pricing.db import Base

target_metadata = Base.metadata
URL = os.environ.get("PRICING_DB", "sqlite+aiosqlite:///./pricing.db")


def migrate(connection):
    context.configure(connection=connection, target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()


async def main():
    engine = create_async_engine(URL)
    async with engine.connect() as connection:
        await connection.run_sync(migrate)
    await engine.dispose()


asyncio.run(main())
