"""Tracks and their credited artists, stored through an ``AsyncSession``."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ...application.errors import TrackNotFoundError
from ...domain import Artist, Track
from .mappers import track_from_record, track_loading
from .models import ArtistCreditRecord, ArtistRecord, TrackRecord


class SqlAlchemyTrackRepository:
    """Implements ``TrackRepository``; flushes but never commits (the unit of work does)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def save_track(self, track: Track) -> Track:
        if track.id is None:
            record = TrackRecord(artist_credits=[])
            self._session.add(record)
        else:
            found = await self._get_record(track.id)
            if found is None:
                raise TrackNotFoundError(track.id)
            record = found
        record.title = track.title
        record.duration_ms = track.duration_ms
        record.isrc = track.isrc
        await self._credit_artists(record, track.artists)
        await self._session.flush()
        return track_from_record(record)

    async def get_by_id(self, track_id: int) -> Track | None:
        record = await self._get_record(track_id)
        return None if record is None else track_from_record(record)

    async def get_by_isrc(self, isrc: str) -> Track | None:
        statement = select(TrackRecord).where(TrackRecord.isrc == isrc).options(track_loading())
        record = await self._session.scalar(statement)
        return None if record is None else track_from_record(record)

    async def list_tracks(self, *, limit: int = 50, offset: int = 0) -> Sequence[Track]:
        statement = (
            select(TrackRecord)
            .order_by(TrackRecord.id)
            .limit(limit)
            .offset(offset)
            .options(track_loading())
        )
        records = await self._session.scalars(statement)
        return [track_from_record(record) for record in records]

    async def _get_record(self, track_id: int) -> TrackRecord | None:
        statement = select(TrackRecord).where(TrackRecord.id == track_id).options(track_loading())
        return await self._session.scalar(statement)

    async def _credit_artists(self, record: TrackRecord, artists: list[Artist]) -> None:
        """Make the record's credits match ``artists``, reusing credits that still apply."""
        existing = {credit.artist.name: credit for credit in record.artist_credits}
        credits: list[ArtistCreditRecord] = []
        for position, name in enumerate(dict.fromkeys(artist.name for artist in artists)):
            credit = existing.get(name)
            if credit is None:
                credit = ArtistCreditRecord(artist=await self._artist_named(name))
            credit.position = position
            credits.append(credit)
        record.artist_credits = credits

    async def _artist_named(self, name: str) -> ArtistRecord:
        """The artist with this name, created if it does not exist yet."""
        artist = await self._session.scalar(select(ArtistRecord).where(ArtistRecord.name == name))
        if artist is None:
            artist = ArtistRecord(name=name)
            self._session.add(artist)
        return artist
