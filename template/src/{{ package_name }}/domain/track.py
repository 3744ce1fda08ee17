"""Artists and tracks, validated when they are built."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import InvalidTrackError

ISRC_PATTERN = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}\d{7}$")
"""International Standard Recording Code: country, registrant, year, designation."""


@dataclass(slots=True)
class Artist:
    """Someone credited on a track; artists are identified by name."""

    name: str
    id: int | None = None

    def __post_init__(self) -> None:
        self.name = self.name.strip()
        if not self.name:
            raise InvalidTrackError("an artist needs a non-empty name")


@dataclass(slots=True)
class Track:
    """A recording with its credited artists, in billing order."""

    title: str
    artists: list[Artist] = field(default_factory=list)
    duration_ms: int | None = None
    isrc: str | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        self.title = self.title.strip()
        if not self.title:
            raise InvalidTrackError("a track needs a non-empty title")
        if self.duration_ms is not None and self.duration_ms < 0:
            raise InvalidTrackError(f"duration_ms must be zero or positive, got {self.duration_ms}")
        if self.isrc is not None:
            self.isrc = self.isrc.replace("-", "").upper()
            if not ISRC_PATTERN.match(self.isrc):
                raise InvalidTrackError(
                    f"{self.isrc!r} is not an ISRC (expected e.g. USRC17607839)"
                )

    @property
    def artist_names(self) -> list[str]:
        """Names of the credited artists, in billing order."""
        return [artist.name for artist in self.artists]

    def identity(self) -> tuple[str, ...]:
        """What makes two tracks the same recording.

        The database id wins, then the ISRC; unsaved tracks without an ISRC are
        the same when title and artists match, ignoring case.
        """
        if self.id is not None:
            return ("id", str(self.id))
        if self.isrc is not None:
            return ("isrc", self.isrc)
        names = (name.casefold() for name in self.artist_names)
        return ("title", self.title.casefold(), *names)
