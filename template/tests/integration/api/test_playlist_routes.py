"""``/playlists`` builds playlists from saved tracks, pages through them, names what is missing."""

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.fixtures import unique_name
from tests.plugins.queries import QueryLog


async def post_track(client: httpx.AsyncClient, title: str) -> dict[str, Any]:
    response = await client.post("/tracks", json={"title": title, "artists": ["Nina Simone"]})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_create_playlist_then_add_tracks_then_read_back_keeps_the_order(
    client: httpx.AsyncClient,
) -> None:
    first, second, third = [await post_track(client, title) for title in ("One", "Two", "Three")]
    name = unique_name("Playlist")

    created = await client.post("/playlists", json={"name": name, "track_ids": [first["id"]]})
    assert created.status_code == 201, created.text
    playlist_id = created.json()["id"]
    added = await client.post(
        f"/playlists/{playlist_id}/tracks", json={"track_ids": [third["id"], second["id"]]}
    )
    assert added.status_code == 200, added.text
    shown = await client.get(f"/playlists/{playlist_id}")

    assert shown.status_code == 200
    assert shown.json()["name"] == name
    assert [track["title"] for track in shown.json()["tracks"]] == ["One", "Three", "Two"]
    assert shown.json() == added.json()


async def test_get_playlist_with_unknown_id_returns_404_naming_it(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/playlists/999999")

    assert response.status_code == 404
    assert response.json() == {"detail": "playlist 999999 does not exist"}


async def test_add_tracks_to_unknown_playlist_returns_404(client: httpx.AsyncClient) -> None:
    track = await post_track(client, "Orphan")

    response = await client.post("/playlists/999999/tracks", json={"track_ids": [track["id"]]})

    assert response.status_code == 404
    assert response.json() == {"detail": "playlist 999999 does not exist"}


async def test_create_playlist_with_unknown_track_returns_404_and_creates_nothing(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/playlists", json={"name": "Ghosts", "track_ids": [999999]})

    assert response.status_code == 404
    assert response.json() == {"detail": "track 999999 does not exist"}
    assert (await client.get("/playlists")).json()["items"] == []


async def test_create_playlist_with_blank_name_returns_422_with_the_domain_rule(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/playlists", json={"name": "   "})

    assert response.status_code == 422
    assert response.json() == {"detail": "a playlist needs a non-empty name"}


async def test_list_playlists_with_limit_over_the_maximum_returns_422(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/playlists", params={"limit": 1000})

    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["query", "limit"]]


async def test_list_playlists_pages_in_id_order_in_three_queries_whatever_the_size(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    assert_max_queries: Callable[[int], AbstractContextManager[QueryLog]],
) -> None:
    tracks = [await post_track(client, f"Song {n}") for n in range(6)]
    ids = []
    for size in (1, 2, 6):
        body = {"name": f"Mix of {size}", "track_ids": [track["id"] for track in tracks[:size]]}
        ids.append((await client.post("/playlists", json=body)).json()["id"])
    db_session.expunge_all()  # load from the database, not from the session's identity map

    # playlists; entries with their tracks; credits with their artists: not one per row
    with assert_max_queries(3):
        response = await client.get("/playlists", params={"limit": 2, "offset": 1})

    assert response.status_code == 200
    page = response.json()
    assert [playlist["id"] for playlist in page["items"]] == ids[1:]
    assert [len(playlist["tracks"]) for playlist in page["items"]] == [2, 6]
