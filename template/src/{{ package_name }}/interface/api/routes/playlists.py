"""``/playlists``: create, get, list a page at a time, and append tracks."""

from __future__ import annotations

from fastapi import APIRouter, status

from ....application import (
    PlaylistNotFoundError,
    add_tracks_to_playlist,
    create_playlist,
    get_tracks_by_id,
)
from ..dependencies import Limit, Offset, UnitOfWorkDep
from ..schemas import PlaylistCreate, PlaylistPage, PlaylistResponse, TracksToAdd

router = APIRouter(prefix="/playlists", tags=["playlists"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def post_playlist(body: PlaylistCreate, uow: UnitOfWorkDep) -> PlaylistResponse:
    tracks = await get_tracks_by_id(uow, body.track_ids)
    playlist = await create_playlist(uow, body.name, tracks)
    return PlaylistResponse.model_validate(playlist)


@router.get("/{playlist_id}")
async def get_playlist(playlist_id: int, uow: UnitOfWorkDep) -> PlaylistResponse:
    playlist = await uow.get_playlist_repository().get_by_id(playlist_id)
    if playlist is None:
        raise PlaylistNotFoundError(playlist_id)
    return PlaylistResponse.model_validate(playlist)


@router.get("")
async def list_playlists(uow: UnitOfWorkDep, limit: Limit = 50, offset: Offset = 0) -> PlaylistPage:
    playlists = await uow.get_playlist_repository().list_playlists(limit=limit, offset=offset)
    return PlaylistPage(
        items=[PlaylistResponse.model_validate(playlist) for playlist in playlists],
        limit=limit,
        offset=offset,
    )


@router.post("/{playlist_id}/tracks")
async def post_playlist_tracks(
    playlist_id: int, body: TracksToAdd, uow: UnitOfWorkDep
) -> PlaylistResponse:
    tracks = await get_tracks_by_id(uow, body.track_ids)
    playlist = await add_tracks_to_playlist(uow, playlist_id, tracks)
    return PlaylistResponse.model_validate(playlist)
