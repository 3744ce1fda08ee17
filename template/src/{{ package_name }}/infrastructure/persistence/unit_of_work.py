"""The SQLAlchemy unit of work: repositories sharing one session, one transaction."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession

from .playlist_repository import SqlAlchemyPlaylistRepository
from .track_repository import SqlAlchemyTrackRepository


class SqlAlchemyUnitOfWork:
    """Implements ``UnitOfWork``: work is rolled back unless ``commit()`` was awaited."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._tracks = SqlAlchemyTrackRepository(session)
        self._playlists = SqlAlchemyPlaylistRepository(session)

    def get_track_repository(self) -> SqlAlchemyTrackRepository:
        return self._tracks

    def get_playlist_repository(self) -> SqlAlchemyPlaylistRepository:
        return self._playlists

    async def commit(self) -> None:
        await self._session.commit()

    async def rollback(self) -> None:
        await self._session.rollback()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.rollback()


def get_unit_of_work(session: AsyncSession) -> SqlAlchemyUnitOfWork:
    """A unit of work over ``session`` (the caller owns and closes the session)."""
    return SqlAlchemyUnitOfWork(session)
