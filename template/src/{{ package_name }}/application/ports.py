"""Ports: what the use cases need from storage and from the outside world.

Adapters in ``infrastructure`` implement these protocols; tests replace them
with specced mocks (``tests.fixtures.make_mock_uow``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, Self

from ..domain import Playlist, Track


class TrackRepository(Protocol):
    """Stores tracks together with their artists."""

    async def save_track(self, track: Track) -> Track:
        """Insert or update the track; return it with its id set."""
        ...

    async def get_by_id(self, track_id: int) -> Track | None:
        """The track with its artists, or None."""
        ...

    async def get_by_isrc(self, isrc: str) -> Track | None:
        """The track with this ISRC, or None."""
        ...

    async def list_tracks(self, *, limit: int = 50, offset: int = 0) -> Sequence[Track]:
        """Tracks ordered by id, with their artists."""
        ...


class PlaylistRepository(Protocol):
    """Stores playlists and the order of their tracks."""

    async def save_playlist(self, playlist: Playlist) -> Playlist:
        """Insert or update the playlist (its tracks must be saved); return it with its id set."""
        ...

    async def get_by_id(self, playlist_id: int) -> Playlist | None:
        """The playlist with its tracks and their artists, or None."""
        ...

    async def list_playlists(self, *, limit: int = 50, offset: int = 0) -> Sequence[Playlist]:
        """Playlists ordered by id, with their tracks."""
        ...


class UnitOfWork(Protocol):
    """One atomic piece of work: nothing is kept unless ``commit()`` is awaited."""

    def get_track_repository(self) -> TrackRepository: ...

    def get_playlist_repository(self) -> PlaylistRepository: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class TrackMetadata:
    """What the metadata service knows about a recording."""

    duration_ms: int | None
    isrc: str | None


class MetadataConnector(Protocol):
    """Looks recordings up in a music-metadata web service."""

    async def lookup(self, title: str, artist: str) -> TrackMetadata | None:
        """Metadata for the recording, or None when the service does not know it."""
        ...
