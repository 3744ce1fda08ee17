"""Tables, engine and sessions of the warehouse (its own names, not the template's)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache

from sqlalchemy import ForeignKey, String
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Model(DeclarativeBase):
    pass


class ProductRow(Model):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class MovementRow(Model):
    __tablename__ = "stock_movements"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int]


@cache
def engine() -> AsyncEngine:
    return create_async_engine(os.environ.get("DATABASE_URL", "sqlite+aiosqlite:///./warehouse.db"))


async def close_engine() -> None:
    if engine.cache_info().currsize:
        await engine().dispose()
        engine.cache_clear()


@asynccontextmanager
async def open_session() -> AsyncIterator[AsyncSession]:
    async with AsyncSession(engine(), expire_on_commit=False) as session:
        yield session
