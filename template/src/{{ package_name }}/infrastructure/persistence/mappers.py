"""Translation from database records to domain entities."""

from __future__ import annotations

from sqlalchemy.orm import selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from ...domain import Artist, Playlist, Track
from .models import ArtistCreditRecord, PlaylistEntryRecord, PlaylistRecord, TrackRecord


def track_loading() -> LoaderOption:
    """Eager-load a track's artists: one query per level, never one per row."""
    return selectinload(TrackRecord.artist_credits).selectinload(ArtistCreditRecord.artist)


def playlist_loading() -> LoaderOption:
    """Eager-load a playlist's tracks and their artists in a fixed number of queries."""
    return (
        selectinload(PlaylistRecord.entries)
        .selectinload(PlaylistEntryRecord.track)
        .selectinload(TrackRecord.artist_credits)
        .selectinload(ArtistCreditRecord.artist)
    )


def track_from_record(record: TrackRecord) -> Track:
    return Track(
        title=record.title,
        artists=[
            Artist(name=credit.artist.name, id=credit.artist.id) for credit in record.artist_credits
        ],
        duration_ms=record.duration_ms,
        isrc=record.isrc,
        id=record.id,
    )


def playlist_from_record(record: PlaylistRecord) -> Playlist:
    return Playlist(
        name=record.name,
        tracks=[track_from_record(entry.track) for entry in record.entries],
        id=record.id,
    )
