"""Use cases that create tracks and look them up by id."""

from __future__ import annotations

from collections.abc import Iterable

from ..domain import Track
from .errors import DuplicateIsrcError, TrackNotFoundError
from .ports import UnitOfWork


async def create_track(uow: UnitOfWork, track: Track) -> Track:
    """Save a new track with its artists, in one commit; return it with its id set.

    Raises:
        DuplicateIsrcError: a stored track already has the track's ISRC.
    """
    async with uow:
        repository = uow.get_track_repository()
        if track.isrc is not None:
            stored = await repository.get_by_isrc(track.isrc)
            if stored is not None:
                raise DuplicateIsrcError(track.isrc, stored.id)
        saved = await repository.save_track(track)
        await uow.commit()
    return saved


async def get_tracks_by_id(uow: UnitOfWork, track_ids: Iterable[int]) -> list[Track]:
    """The tracks with these ids, in the order asked (read only, nothing is committed).

    Raises:
        TrackNotFoundError: an id matches no track (the first missing one is named).
    """
    repository = uow.get_track_repository()
    tracks: list[Track] = []
    for track_id in track_ids:
        track = await repository.get_by_id(track_id)
        if track is None:
            raise TrackNotFoundError(track_id)
        tracks.append(track)
    return tracks
