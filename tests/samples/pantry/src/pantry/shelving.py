"""What can be put where."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pantry.storage import Jar, Shelf

JARS_PER_SHELF = 3


class ShelfFull(Exception):
    pass


def label_for(row: int, column: int) -> str:
    return f"{chr(ord('A') + row)}{column}"


async def put_jar(session: AsyncSession, shelf: Shelf, contents: str) -> Jar:
    count = await session.scalar(select(func.count()).where(Jar.shelf_id == shelf.id))
    if count is not None and count >= JARS_PER_SHELF:
        raise ShelfFull(shelf.label)
    jar = Jar(shelf_id=shelf.id, contents=contents)
    session.add(jar)
    await session.flush()
    return jar
