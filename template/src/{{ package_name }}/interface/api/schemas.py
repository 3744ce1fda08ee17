"""Request and response bodies, and their translation to and from the domain.

Requests are checked here for shape; the domain entities still enforce their
own rules (a blank title, a malformed ISRC) and those errors become 422s too.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from ...domain import Artist, Track
from ...domain.playlist import MAX_NAME_LENGTH

ArtistName = Annotated[str, Field(min_length=1, max_length=200)]
EntityId = Annotated[int, Field(ge=1)]


class TrackCreate(BaseModel):
    """Body of ``POST /tracks``."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    artists: list[ArtistName] = Field(min_length=1, description="names, in billing order")
    duration_ms: int | None = Field(default=None, ge=0)
    isrc: str | None = Field(default=None, examples=["USRC17607839"])

    def to_track(self) -> Track:
        """The unsaved domain track (raises ``InvalidTrackError`` on a broken rule)."""
        return Track(
            title=self.title,
            artists=[Artist(name=name) for name in self.artists],
            duration_ms=self.duration_ms,
            isrc=self.isrc,
        )


class PlaylistCreate(BaseModel):
    """Body of ``POST /playlists``: a name and existing tracks, in order."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=MAX_NAME_LENGTH)
    track_ids: list[EntityId] = Field(default_factory=list)


class TracksToAdd(BaseModel):
    """Body of ``POST /playlists/{id}/tracks``: existing tracks to append, in order."""

    model_config = ConfigDict(extra="forbid")

    track_ids: list[EntityId] = Field(min_length=1)


class ArtistResponse(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str


class TrackResponse(BaseModel):
    """A saved track; built with ``TrackResponse.model_validate(track)``."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    artists: list[ArtistResponse]
    duration_ms: int | None
    isrc: str | None


class PlaylistResponse(BaseModel):
    """A saved playlist with its tracks in order."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    tracks: list[TrackResponse]
    total_duration_ms: int


class TrackPage(BaseModel):
    items: list[TrackResponse]
    limit: int
    offset: int


class PlaylistPage(BaseModel):
    items: list[PlaylistResponse]
    limit: int
    offset: int
