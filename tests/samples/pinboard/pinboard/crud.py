from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pinboard.models import Note


async def create_note(db: AsyncSession, title: str, body: str) -> Note:
    note = Note(title=title, body=body)
    db.add(note)
    await db.commit()
    return note


async def list_titles(db: AsyncSession) -> list[str]:
    return list(await db.scalars(select(Note.title).order_by(Note.id)))
