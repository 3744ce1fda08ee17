"""Use case that fills in missing track details from the metadata service."""

from __future__ import annotations

from collections.abc import Iterable

from ..domain import Track
from .errors import TrackNotFoundError
from .ports import MetadataConnector, UnitOfWork


async def enrich_tracks(
    uow: UnitOfWork, connector: MetadataConnector, track_ids: Iterable[int]
) -> list[Track]:
    """Complete duration and ISRC where they are missing; return the tracks that changed.

    Values the track already has are never overwritten. Tracks the service does
    not know are left as they are.

    Raises:
        TrackNotFoundError: an id matches no track; nothing is saved.
    """
    changed: list[Track] = []
    async with uow:
        repository = uow.get_track_repository()
        for track_id in track_ids:
            track = await repository.get_by_id(track_id)
            if track is None:
                raise TrackNotFoundError(track_id)
            if track.duration_ms is not None and track.isrc is not None:
                continue
            metadata = await connector.lookup(track.title, ", ".join(track.artist_names))
            if metadata is None:
                continue
            updated = Track(
                title=track.title,
                artists=track.artists,
                duration_ms=track.duration_ms
                if track.duration_ms is not None
                else metadata.duration_ms,
                isrc=track.isrc if track.isrc is not None else metadata.isrc,
                id=track.id,
            )
            if updated != track:
                changed.append(await repository.save_track(updated))
        await uow.commit()
    return changed
