from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from roster.db import Member


async def join(session: AsyncSession, name: str, team: str) -> Member:
    member = Member(name=name, team=team)
    session.add(member)
    await session.commit()
    return member


async def team_size(session: AsyncSession, team: str) -> int:
    return await session.scalar(select(func.count()).where(Member.team == team)) or 0
