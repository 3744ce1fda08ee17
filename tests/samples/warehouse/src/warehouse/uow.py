"""Unit of work of the warehouse."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .db import MovementRow, ProductRow
from .domain import Product


class Products:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, product: Product) -> Product:
        row = ProductRow(sku=product.sku, name=product.name)
        self._session.add(row)
        await self._session.flush()
        return Product(sku=row.sku, name=row.name, id=row.id)

    async def by_sku(self, sku: str) -> Product | None:
        row = await self._session.scalar(select(ProductRow).where(ProductRow.sku == sku))
        return None if row is None else Product(sku=row.sku, name=row.name, id=row.id)

    async def receive(self, product_id: int, quantity: int) -> None:
        self._session.add(MovementRow(product_id=product_id, quantity=quantity))
        await self._session.flush()


class WarehouseUnitOfWork:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self.products = Products(session)

    async def commit(self) -> None:
        await self._session.commit()

    async def rollback(self) -> None:
        await self._session.rollback()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.rollback()


def unit_of_work(session: AsyncSession) -> WarehouseUnitOfWork:
    return WarehouseUnitOfWork(session)
