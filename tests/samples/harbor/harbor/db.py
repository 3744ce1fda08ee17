import os
from collections.abc import AsyncIterator

from sqlalchemy import ForeignKey, String
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

engine = create_async_engine(os.environ["HARBOR_DATABASE_URL"])
async_session = async_sessionmaker(engine, expire_on_commit=False)


class Base(DeclarativeBase):
    pass


class Berth(Base):
    __tablename__ = "berths"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    length_m: Mapped[int]


class Booking(Base):
    __tablename__ = "bookings"

    id: Mapped[int] = mapped_column(primary_key=True)
    berth_id: Mapped[int] = mapped_column(ForeignKey("berths.id"))
    boat: Mapped[str] = mapped_column(String(60))
    nights: Mapped[int]


async def get_db_session(request) -> AsyncIterator[AsyncSession]:
    """The web layer's dependency: the request's app may carry its own sessionmaker."""
    factory = getattr(request.app.state, "session_factory", async_session)
    async with factory() as session:
        yield session
