"""A client builds a playlist over real HTTP against the API served by uvicorn."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.fixtures import unique_name
from tests.plugins.tracker import DataTracker

from .api_server import running_api_server
from .conftest import track_created_playlist


@pytest.fixture
async def api(
    test_data_tracker: DataTracker, e2e_timeout: float
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a real server; the schema exists because the tracker opened the database.

    The server may take up to the E2E tier's timeout to start on a busy machine.

    ``trust_env=False``: talk to 127.0.0.1 directly, never through a proxy from the
    environment.
    """
    async with (
        running_api_server(e2e_timeout) as base_url,
        httpx.AsyncClient(base_url=base_url, trust_env=False, timeout=e2e_timeout) as client,
    ):
        yield client


async def post(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(path, json=body)
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


async def test_client_builds_a_playlist_and_reads_it_back_over_http(
    api: httpx.AsyncClient, test_data_tracker: DataTracker
) -> None:
    artist = unique_name("Artist")
    first = await post(api, "/tracks", {"title": "First", "artists": [artist]})
    second = await post(api, "/tracks", {"title": "Second", "artists": [artist]})
    for track in (first, second):
        test_data_tracker.add_track(track["id"])
    test_data_tracker.add_artist(first["artists"][0]["id"])
    name = unique_name("Playlist")

    created = await post(api, "/playlists", {"name": name, "track_ids": [first["id"]]})
    track_created_playlist(test_data_tracker, created)
    await post(api, f"/playlists/{created['id']}/tracks", {"track_ids": [second["id"]]})
    shown = await api.get(f"/playlists/{created['id']}")
    listed = await api.get("/playlists")
    missing = await api.get("/playlists/999999")

    assert shown.status_code == 200
    assert [track["title"] for track in shown.json()["tracks"]] == ["First", "Second"]
    assert created["id"] in [playlist["id"] for playlist in listed.json()["items"]]
    assert missing.status_code == 404
