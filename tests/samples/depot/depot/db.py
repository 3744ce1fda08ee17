"""The engine, built when the module is imported, and the sessions the handlers get."""

import os
from collections.abc import AsyncIterator

from sqlalchemy import String
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

engine = create_async_engine(
    os.environ.get("DATABASE_URL", "postgresql+asyncpg://depot@localhost/depot")
)
SessionFactory = async_sessionmaker(engine, expire_on_commit=False)


class Base(DeclarativeBase):
    pass


class Parcel(Base):
    __tablename__ = "parcels"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    shelf: Mapped[str] = mapped_column(String(8))
    picked_up: Mapped[bool] = mapped_column(default=False)


async def get_session() -> AsyncIterator[AsyncSession]:
    async with SessionFactory() as session:
        yield session
