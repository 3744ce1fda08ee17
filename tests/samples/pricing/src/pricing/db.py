"""Engine, sessions and tables. The currencies table is filled by the migrations."""

import os
from contextlib import asynccontextmanager

from sqlalchemy import ForeignKey, String
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

engine = create_async_engine(os.environ.get("PRICING_DB", "sqlite+aiosqlite:///./pricing.db"))


class Base(DeclarativeBase):
    pass


class Currency(Base):
    __tablename__ = "currencies"

    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    minor_units: Mapped[int]


class PriceEntry(Base):
    __tablename__ = "price_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(40))
    currency_code: Mapped[str] = mapped_column(ForeignKey("currencies.code"))
    amount_minor: Mapped[int]


@asynccontextmanager
async def session():
    async with AsyncSession(engine, expire_on_commit=False) as opened:
        yield opened


async def dispose():
    await engine.dispose()
