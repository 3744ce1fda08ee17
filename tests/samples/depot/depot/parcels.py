"""Receiving parcels, and handing them over."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from depot.db import Parcel


def clean_code(code: str) -> str:
    """Codes are read off labels: spaces and dashes vary, the letters do not."""
    return "".join(character for character in code.upper() if character.isalnum())


def shelf_for(code: str) -> str:
    return f"S{sum(map(ord, clean_code(code))) % 12:02d}"


async def receive(session: AsyncSession, code: str) -> Parcel:
    parcel = Parcel(code=clean_code(code), shelf=shelf_for(code))
    session.add(parcel)
    await session.flush()
    return parcel


async def hand_over(session: AsyncSession, code: str) -> Parcel | None:
    parcel = await session.scalar(select(Parcel).where(Parcel.code == clean_code(code)))
    if parcel is None or parcel.picked_up:
        return None
    parcel.picked_up = True
    await session.flush()
    return parcel


async def waiting(session: AsyncSession) -> list[str]:
    query = select(Parcel.code).where(Parcel.picked_up.is_(False)).order_by(Parcel.code)
    return list(await session.scalars(query))
