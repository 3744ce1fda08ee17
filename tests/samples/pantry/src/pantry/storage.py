"""Tables and sessions; the engine is built when this module is imported."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import ForeignKey, String
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

engine = create_async_engine(os.environ.get("PANTRY_DB", "sqlite+aiosqlite:///pantry.db"))
Sessions = async_sessionmaker(engine, expire_on_commit=False)


class Table(DeclarativeBase):
    pass


class Shelf(Table):
    __tablename__ = "shelf"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(40), unique=True)


class Jar(Table):
    __tablename__ = "jar"

    id: Mapped[int] = mapped_column(primary_key=True)
    shelf_id: Mapped[int] = mapped_column(ForeignKey("shelf.id"))
    contents: Mapped[str] = mapped_column(String(80))


@asynccontextmanager
async def session() -> AsyncIterator[AsyncSession]:
    async with Sessions() as opened:
        yield opened
