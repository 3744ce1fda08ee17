"""Playlists and the order of their tracks, stored through an ``AsyncSession``."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ...application.errors import PlaylistNotFoundError, TrackNotFoundError
from ...domain import Playlist
from .mappers import one_playlist_loading, playlist_from_record, playlists_loading, tracks_loading
from .models import PlaylistEntryRecord, PlaylistRecord, TrackRecord


class SqlAlchemyPlaylistRepository:
    """Implements ``PlaylistRepository``; flushes but never commits (the unit of work does)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def save_playlist(self, playlist: Playlist) -> Playlist:
        track_ids = [track.id for track in playlist.tracks]
        if None in track_ids:
            raise ValueError("save a playlist's tracks before the playlist itself")
        if playlist.id is None:
            record = PlaylistRecord(entries=[])
            self._session.add(record)
        else:
            found = await self._get_record(playlist.id)
            if found is None:
                raise PlaylistNotFoundError(playlist.id)
            record = found
        record.name = playlist.name
        await self._set_entries(
            record, [track_id for track_id in track_ids if track_id is not None]
        )
        await self._session.flush()
        return playlist_from_record(record)

    async def get_by_id(self, playlist_id: int) -> Playlist | None:
        record = await self._get_record(playlist_id)
        return None if record is None else playlist_from_record(record)

    async def list_playlists(self, *, limit: int = 50, offset: int = 0) -> Sequence[Playlist]:
        statement = (
            select(PlaylistRecord)
            .order_by(PlaylistRecord.id)
            .limit(limit)
            .offset(offset)
            .options(playlists_loading())
        )
        records = await self._session.scalars(statement)
        return [playlist_from_record(record) for record in records]

    async def _get_record(self, playlist_id: int) -> PlaylistRecord | None:
        statement = (
            select(PlaylistRecord)
            .where(PlaylistRecord.id == playlist_id)
            .options(one_playlist_loading())
        )
        records = await self._session.scalars(statement)
        return records.unique().one_or_none()

    async def _set_entries(self, record: PlaylistRecord, track_ids: list[int]) -> None:
        """Make the record's entries match ``track_ids``, reusing entries that still apply."""
        statement = (
            select(TrackRecord).where(TrackRecord.id.in_(track_ids)).options(tracks_loading())
        )
        tracks = {track.id: track for track in await self._session.scalars(statement)}
        missing = [track_id for track_id in track_ids if track_id not in tracks]
        if missing:
            raise TrackNotFoundError(missing[0])
        existing = {entry.track_id: entry for entry in record.entries}
        entries: list[PlaylistEntryRecord] = []
        for position, track_id in enumerate(track_ids):
            entry = existing.get(track_id)
            if entry is None:
                entry = PlaylistEntryRecord(track=tracks[track_id])
            entry.position = position
            entries.append(entry)
        record.entries = entries
