"""``/tracks`` creates, finds and pages through tracks, and refuses bad input."""

import httpx

from tests.fixtures import unique_name


async def test_post_track_with_valid_body_returns_201_with_ids_assigned(
    client: httpx.AsyncClient,
) -> None:
    artist = unique_name("Artist")

    response = await client.post(
        "/tracks", json={"title": "Sinnerman", "artists": [artist], "isrc": "usrc17607839"}
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["id"] >= 1
    assert [credited["name"] for credited in body["artists"]] == [artist]
    assert body["isrc"] == "USRC17607839"


async def test_post_track_with_an_isrc_already_stored_returns_409_naming_the_track(
    client: httpx.AsyncClient,
) -> None:
    body = {"title": "Song", "artists": ["A"], "isrc": "GBAYE0601498"}
    stored = (await client.post("/tracks", json=body)).json()

    response = await client.post("/tracks", json={**body, "title": "Another song"})

    assert response.status_code == 409
    assert response.json() == {"detail": f"track {stored['id']} already has the ISRC GBAYE0601498"}
    assert (await client.get("/tracks", params={"limit": 100})).json()["items"] == [stored]


async def test_get_track_after_post_returns_the_same_track(client: httpx.AsyncClient) -> None:
    created = (await client.post("/tracks", json={"title": "Song", "artists": ["A", "B"]})).json()

    response = await client.get(f"/tracks/{created['id']}")

    assert response.status_code == 200
    assert response.json() == created


async def test_get_track_with_unknown_id_returns_404_naming_it(client: httpx.AsyncClient) -> None:
    response = await client.get("/tracks/999999")

    assert response.status_code == 404
    assert response.json() == {"detail": "track 999999 does not exist"}


async def test_post_track_without_artists_returns_422_naming_the_field(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/tracks", json={"title": "Alone", "artists": []})

    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["body", "artists"]]


async def test_post_track_with_malformed_isrc_returns_422_with_the_domain_rule(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/tracks", json={"title": "Song", "artists": ["A"], "isrc": "not-an-isrc"}
    )

    assert response.status_code == 422
    assert response.json() == {"detail": "'NOTANISRC' is not an ISRC (expected e.g. USRC17607839)"}


async def test_list_tracks_with_limit_and_offset_returns_that_page_in_id_order(
    client: httpx.AsyncClient,
) -> None:
    ids = [
        (await client.post("/tracks", json={"title": f"Song {n}", "artists": ["A"]})).json()["id"]
        for n in range(5)
    ]

    response = await client.get("/tracks", params={"limit": 2, "offset": 1})

    assert response.status_code == 200
    page = response.json()
    assert [track["id"] for track in page["items"]] == ids[1:3]
    assert (page["limit"], page["offset"]) == (2, 1)
