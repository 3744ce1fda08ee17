"""``/tracks``: create a track, get one, list them a page at a time."""

from __future__ import annotations

from fastapi import APIRouter, status

from ....application import TrackNotFoundError, create_track
from ..dependencies import Limit, Offset, UnitOfWorkDep
from ..schemas import TrackCreate, TrackPage, TrackResponse

router = APIRouter(prefix="/tracks", tags=["tracks"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def post_track(body: TrackCreate, uow: UnitOfWorkDep) -> TrackResponse:
    track = await create_track(uow, body.to_track())
    return TrackResponse.model_validate(track)


@router.get("/{track_id}")
async def get_track(track_id: int, uow: UnitOfWorkDep) -> TrackResponse:
    track = await uow.get_track_repository().get_by_id(track_id)
    if track is None:
        raise TrackNotFoundError(track_id)
    return TrackResponse.model_validate(track)


@router.get("")
async def list_tracks(uow: UnitOfWorkDep, limit: Limit = 50, offset: Offset = 0) -> TrackPage:
    tracks = await uow.get_track_repository().list_tracks(limit=limit, offset=offset)
    return TrackPage(
        items=[TrackResponse.model_validate(track) for track in tracks],
        limit=limit,
        offset=offset,
    )
