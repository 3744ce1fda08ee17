"""A user builds and browses playlists with the ``music-library`` command."""

import json

import pytest

from tests.fixtures import unique_name
from tests.plugins.tracker import DataTracker

from .conftest import RunCli, track_created_playlist


async def test_create_playlist_then_show_it_lists_tracks_in_order(
    run_cli: RunCli, test_data_tracker: DataTracker
) -> None:
    artist = unique_name("Artist")
    name = unique_name("Playlist")

    created = await run_cli(
        "--json",
        "create-playlist",
        name,
        "--track",
        f"{artist} - First",
        "--track",
        f"{artist} - Second",
    )
    assert created.exit_code == 0, created.stderr
    playlist = json.loads(created.stdout)
    track_created_playlist(test_data_tracker, playlist)

    shown = await run_cli("show-playlist", str(playlist["id"]))

    assert shown.exit_code == 0, shown.stderr
    assert shown.stdout.splitlines() == [
        f"playlist {playlist['id']}: {name} (2 tracks)",
        f"  1. {artist} - First",
        f"  2. {artist} - Second",
    ]


async def test_created_playlist_appears_in_the_list(
    run_cli: RunCli, test_data_tracker: DataTracker
) -> None:
    name = unique_name("Playlist")
    created = await run_cli("--json", "create-playlist", name, "--track", "Nina Simone - Sinnerman")
    assert created.exit_code == 0, created.stderr
    playlist = json.loads(created.stdout)
    track_created_playlist(test_data_tracker, playlist)

    listed = await run_cli("list-playlists")

    assert f"{playlist['id']}: {name} (1 tracks)" in listed.stdout.splitlines()


async def test_create_playlist_with_malformed_track_explains_form_and_saves_nothing(
    run_cli: RunCli,
) -> None:
    result = await run_cli("create-playlist", unique_name("Playlist"), "--track", "Sinnerman")

    assert result.exit_code == 2
    assert "is not 'Artist - Title'" in result.stderr


async def test_show_missing_playlist_exits_with_error_message(run_installed_cli: RunCli) -> None:
    """Through the installed console script itself: the other tests fork it (cli_forks.py)."""
    result = await run_installed_cli("show-playlist", "999999")

    assert result.exit_code == 1
    assert "playlist 999999 does not exist" in result.stderr


@pytest.mark.slow
async def test_playlist_of_fifty_tracks_round_trips_through_the_cli(
    run_cli: RunCli, test_data_tracker: DataTracker
) -> None:
    artist = unique_name("Artist")
    specs = [arg for n in range(50) for arg in ("--track", f"{artist} - Song {n}")]

    created = await run_cli("--json", "create-playlist", unique_name("Playlist"), *specs)
    assert created.exit_code == 0, created.stderr
    playlist = json.loads(created.stdout)
    track_created_playlist(test_data_tracker, playlist)
    shown = await run_cli("--json", "show-playlist", str(playlist["id"]))

    assert json.loads(shown.stdout)["tracks"] == playlist["tracks"]
