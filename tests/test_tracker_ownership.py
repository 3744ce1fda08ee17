"""What goes with a tracked row: the rows the test created that belong to it (issue #23, point 6).

``owned_rows`` in ``template/tests/plugins/clean_state.py`` is plain
SQLAlchemy, so these tests run it in-process on a SQLite file with a schema
shaped like the reference backend's: tracks credit artists through
``track_artists``, playlists hold tracks through ``playlist_tracks``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from harness.plugin_modules import load_plugin

METADATA = MetaData()
ARTISTS = Table(
    "artists", METADATA, Column("id", Integer, primary_key=True), Column("name", String)
)
TRACKS = Table("tracks", METADATA, Column("id", Integer, primary_key=True), Column("title", String))
CREDITS = Table(
    "track_artists",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("track_id", ForeignKey("tracks.id")),
    Column("artist_id", ForeignKey("artists.id")),
)
PLAYLISTS = Table("playlists", METADATA, Column("id", Integer, primary_key=True))
ENTRIES = Table(
    "playlist_tracks",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("playlist_id", ForeignKey("playlists.id")),
    Column("track_id", ForeignKey("tracks.id")),
)
Scenario = Callable[[AsyncConnection], Coroutine[Any, Any, None]]


@pytest.fixture(scope="module")
def clean_state() -> ModuleType:
    return load_plugin("clean_state")


def cleanup_after(
    tmp_path: Path,
    clean_state: ModuleType,
    before: Scenario,
    during: Scenario,
    tracked: dict[str, set[object]],
) -> dict[str, int]:
    """Rows left in each table after ``before``, then ``during`` and deleting what is owned."""

    async def run() -> dict[str, int]:
        engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'test.db'}")
        try:
            async with engine.begin() as connection:
                await connection.run_sync(METADATA.create_all)
                await before(connection)
            async with engine.connect() as connection:
                baseline = await clean_state.CleanState.capture(connection, METADATA)
                async with connection.begin():
                    await during(connection)
                async with connection.begin():
                    owned = await clean_state.owned_rows(connection, METADATA, baseline, tracked)
                    await clean_state.delete_rows(connection, METADATA, owned)
                async with connection.begin():
                    return {
                        table.name: int(
                            await connection.scalar(select(func.count()).select_from(table)) or 0
                        )
                        for table in METADATA.sorted_tables
                    }
        finally:
            await engine.dispose()

    return asyncio.run(run())


async def nothing(connection: AsyncConnection) -> None:
    """No rows before the test."""


async def one_old_artist(connection: AsyncConnection) -> None:
    await connection.execute(ARTISTS.insert().values(id=1, name="Old"))


async def track_with_new_artist(connection: AsyncConnection) -> None:
    await connection.execute(ARTISTS.insert().values(id=2, name="New"))
    await connection.execute(TRACKS.insert().values(id=10, title="Song"))
    await connection.execute(CREDITS.insert().values(track_id=10, artist_id=2))


async def track_by_old_artist(connection: AsyncConnection) -> None:
    await connection.execute(TRACKS.insert().values(id=10, title="Song"))
    await connection.execute(CREDITS.insert().values(track_id=10, artist_id=1))


async def two_tracks_sharing_a_new_artist(connection: AsyncConnection) -> None:
    await track_with_new_artist(connection)
    await connection.execute(TRACKS.insert().values(id=11, title="Untracked"))
    await connection.execute(CREDITS.insert().values(track_id=11, artist_id=2))


async def playlist_of_the_track(connection: AsyncConnection) -> None:
    await track_with_new_artist(connection)
    await connection.execute(PLAYLISTS.insert().values(id=5))
    await connection.execute(ENTRIES.insert().values(playlist_id=5, track_id=10))


EMPTY = {"artists": 0, "tracks": 0, "track_artists": 0, "playlists": 0, "playlist_tracks": 0}


@pytest.mark.parametrize(
    ("before", "during", "left"),
    [
        pytest.param(nothing, track_with_new_artist, EMPTY, id="new-artist-goes-with-its-track"),
        pytest.param(one_old_artist, track_by_old_artist, {**EMPTY, "artists": 1},
                     id="an-artist-older-than-the-test-stays"),
        pytest.param(nothing, two_tracks_sharing_a_new_artist,
                     {**EMPTY, "artists": 1, "tracks": 1, "track_artists": 1},
                     id="an-artist-an-untracked-row-refers-to-stays"),
        pytest.param(nothing, playlist_of_the_track, EMPTY, id="a-playlist-only-of-the-track-goes"),
    ],
)  # fmt: skip
def test_a_tracked_track_takes_the_rows_that_belong_to_it(
    tmp_path: Path,
    clean_state: ModuleType,
    before: Scenario,
    during: Scenario,
    left: dict[str, int],
) -> None:
    tracked: dict[str, set[object]] = {"tracks": {10}}

    assert cleanup_after(tmp_path, clean_state, before, during, tracked) == left
