import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from database import Base
from orders import Order, with_vat


def test_vat_is_added_and_rounded():
    assert with_vat(999) == 1199


@pytest.mark.asyncio
async def test_an_order_keeps_its_total(tmp_path):
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'orders.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    async with async_sessionmaker(engine)() as session:
        session.add(Order(customer="ada", total_cents=1250))
        await session.commit()
        assert await session.scalar(select(Order.total_cents)) == 1250
    await engine.dispose()
