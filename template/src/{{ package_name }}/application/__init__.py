"""Use cases, written against ports so they run with any storage or connector."""

from .enrichment import enrich_tracks
from .errors import ConflictError, DuplicateIsrcError, PlaylistNotFoundError, TrackNotFoundError
from .playlists import add_tracks_to_playlist, create_playlist
from .tracks import create_track, get_tracks_by_id

__all__ = [
    "ConflictError",
    "DuplicateIsrcError",
    "PlaylistNotFoundError",
    "TrackNotFoundError",
    "add_tracks_to_playlist",
    "create_playlist",
    "create_track",
    "enrich_tracks",
    "get_tracks_by_id",
]
