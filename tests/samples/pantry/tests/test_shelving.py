import pytest
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from pantry.shelving import ShelfFull, label_for, put_jar
from pantry.storage import Shelf, Table


def test_labels_read_row_then_column():
    assert label_for(1, 3) == "B3"


@pytest.fixture
async def scratch(tmp_path):
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'scratch.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(Table.metadata.create_all)
    async with AsyncSession(engine) as session:
        yield session
    await engine.dispose()


async def test_a_shelf_holds_three_jars(scratch):
    shelf = Shelf(label="A1")
    scratch.add(shelf)
    await scratch.flush()
    for contents in ("rice", "lentils", "oats"):
        await put_jar(scratch, shelf, contents)
    with pytest.raises(ShelfFull):
        await put_jar(scratch, shelf, "flour")
