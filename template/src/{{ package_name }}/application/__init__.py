"""Use cases, written against ports so they run with any storage or connector."""

from .enrichment import enrich_tracks
from .errors import PlaylistNotFoundError, TrackNotFoundError
from .playlists import add_tracks_to_playlist, create_playlist

__all__ = [
    "PlaylistNotFoundError",
    "TrackNotFoundError",
    "add_tracks_to_playlist",
    "create_playlist",
    "enrich_tracks",
]
