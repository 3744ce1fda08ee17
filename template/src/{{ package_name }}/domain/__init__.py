"""Pure business rules: entities and the invariants they keep, with no I/O."""

from .errors import DomainError, InvalidPlaylistError, InvalidTrackError
from .playlist import Playlist, deduplicate_tracks
from .track import Artist, Track

__all__ = [
    "Artist",
    "DomainError",
    "InvalidPlaylistError",
    "InvalidTrackError",
    "Playlist",
    "Track",
    "deduplicate_tracks",
]
