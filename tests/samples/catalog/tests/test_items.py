import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from catalog.database import Base, get_db
from catalog.main import app


@pytest.fixture
async def client_with_db(tmp_path):
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'items.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def override():
        async with sessions() as session:
            yield session

    app.dependency_overrides[get_db] = override
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as c:
        yield c
    app.dependency_overrides.clear()
    await engine.dispose()


@pytest.mark.anyio
async def test_created_item_is_listed(client_with_db):
    created = await client_with_db.post("/items", json={"name": "lamp", "price_cents": 1999})
    listed = await client_with_db.get("/items")
    assert created.status_code == 201
    assert listed.json() == [created.json()]
