"""Translation from database records to domain entities."""

from __future__ import annotations

from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from ...domain import Artist, Playlist, Track
from .models import ArtistCreditRecord, PlaylistEntryRecord, PlaylistRecord, TrackRecord

# Every round trip to the database costs more than the rows it returns, so:
# - one aggregate (``get_by_id``) joins everything it holds into its own query;
#   read it with ``.unique()``, as joined collections repeat the parent's row;
# - many aggregates (lists) add one query per collection level (selectinload),
#   so rows never multiply; each credit's artist and each entry's track is
#   joined into its level's query.


def one_track_loading() -> LoaderOption:
    """For one track: its credits and their artists, in the track's own query."""
    return joinedload(TrackRecord.artist_credits).joinedload(ArtistCreditRecord.artist)


def tracks_loading() -> LoaderOption:
    """For many tracks: their credits and artists, in one more query whatever the count."""
    return selectinload(TrackRecord.artist_credits).joinedload(ArtistCreditRecord.artist)


def one_playlist_loading() -> LoaderOption:
    """For one playlist: its tracks and their artists, in the playlist's own query."""
    return (
        joinedload(PlaylistRecord.entries)
        .joinedload(PlaylistEntryRecord.track)
        .joinedload(TrackRecord.artist_credits)
        .joinedload(ArtistCreditRecord.artist)
    )


def playlists_loading() -> LoaderOption:
    """For many playlists: their tracks and artists, in two more queries whatever the count."""
    return (
        selectinload(PlaylistRecord.entries)
        .joinedload(PlaylistEntryRecord.track)
        .selectinload(TrackRecord.artist_credits)
        .joinedload(ArtistCreditRecord.artist)
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
