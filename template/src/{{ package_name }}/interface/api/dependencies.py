"""What routes receive besides their body: the unit of work and pagination.

The database session comes from one dependency, ``get_db_session``. Tests
override it to hand every request their own ``db_session``, so requests run
inside the test's transaction and are rolled back with it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from ...application.ports import UnitOfWork
from ...infrastructure.persistence import get_session, get_unit_of_work

MAX_PAGE_SIZE = 100


async def get_db_session() -> AsyncIterator[AsyncSession]:
    """One session per request, closed (and rolled back if uncommitted) after it."""
    async with get_session() as session:
        yield session


async def get_uow(session: Annotated[AsyncSession, Depends(get_db_session)]) -> UnitOfWork:
    """The request's unit of work, over the request's session."""
    return get_unit_of_work(session)


UnitOfWorkDep = Annotated[UnitOfWork, Depends(get_uow)]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="page size")]
Offset = Annotated[int, Query(ge=0, description="items to skip")]
