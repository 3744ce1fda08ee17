import pytest
from httpx import ASGITransport, AsyncClient

from catalog.main import app


@pytest.fixture
async def client():
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as c:
        yield c


@pytest.mark.anyio
async def test_health(client):
    response = await client.get("/health")
    assert response.json() == {"status": "ok"}


@pytest.mark.anyio
async def test_negative_price_is_refused(client):
    response = await client.post("/items", json={"name": "x", "price_cents": -1})
    assert response.status_code == 422


@pytest.mark.anyio
async def test_unknown_route(client):
    response = await client.get("/nope")
    assert response.status_code == 404
