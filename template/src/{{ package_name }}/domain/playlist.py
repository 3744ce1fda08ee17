"""Playlists: an ordered list of distinct tracks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .errors import InvalidPlaylistError
from .track import Track

MAX_NAME_LENGTH = 200


def deduplicate_tracks(tracks: Iterable[Track]) -> list[Track]:
    """Keep the first occurrence of each recording, preserving order."""
    seen: set[tuple[str, ...]] = set()
    unique: list[Track] = []
    for track in tracks:
        key = track.identity()
        if key not in seen:
            seen.add(key)
            unique.append(track)
    return unique


@dataclass(slots=True)
class Playlist:
    """A named, ordered selection of tracks in which no recording repeats."""

    name: str
    tracks: list[Track] = field(default_factory=list)
    id: int | None = None

    def __post_init__(self) -> None:
        self.name = self.name.strip()
        if not self.name:
            raise InvalidPlaylistError("a playlist needs a non-empty name")
        if len(self.name) > MAX_NAME_LENGTH:
            raise InvalidPlaylistError(
                f"a playlist name has at most {MAX_NAME_LENGTH} characters, got {len(self.name)}"
            )
        self.tracks = deduplicate_tracks(self.tracks)

    def add_tracks(self, tracks: Iterable[Track]) -> list[Track]:
        """Append the tracks not already present; return those that were added."""
        before = len(self.tracks)
        self.tracks = deduplicate_tracks([*self.tracks, *tracks])
        return self.tracks[before:]

    @property
    def total_duration_ms(self) -> int:
        """Sum of the known durations; tracks without one count as zero."""
        return sum(track.duration_ms or 0 for track in self.tracks)

    @property
    def unknown_duration_count(self) -> int:
        """How many tracks still lack a duration (candidates for enrichment)."""
        return sum(1 for track in self.tracks if track.duration_ms is None)
