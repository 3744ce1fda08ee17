"""Use cases that create and grow playlists."""

from __future__ import annotations

from collections.abc import Iterable

from ..domain import Playlist, Track
from .errors import PlaylistNotFoundError
from .ports import UnitOfWork


async def create_playlist(uow: UnitOfWork, name: str, tracks: Iterable[Track]) -> Playlist:
    """Save the tracks, then a playlist of them without repeats, in one commit."""
    playlist = Playlist(name=name, tracks=list(tracks))
    async with uow:
        track_repository = uow.get_track_repository()
        playlist.tracks = [await track_repository.save_track(track) for track in playlist.tracks]
        saved = await uow.get_playlist_repository().save_playlist(playlist)
        await uow.commit()
    return saved


async def add_tracks_to_playlist(
    uow: UnitOfWork, playlist_id: int, tracks: Iterable[Track]
) -> Playlist:
    """Append the tracks the playlist does not have yet, in one commit.

    Raises:
        PlaylistNotFoundError: no playlist has ``playlist_id``; nothing is saved.
    """
    async with uow:
        playlists = uow.get_playlist_repository()
        playlist = await playlists.get_by_id(playlist_id)
        if playlist is None:
            raise PlaylistNotFoundError(playlist_id)
        track_repository = uow.get_track_repository()
        saved_tracks = [await track_repository.save_track(track) for track in tracks]
        playlist.add_tracks(saved_tracks)
        saved = await playlists.save_playlist(playlist)
        await uow.commit()
    return saved
