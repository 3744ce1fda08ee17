"""Domain entities of the warehouse."""

from __future__ import annotations

from dataclasses import dataclass


class StockError(ValueError):
    """A stock movement would break a rule."""


@dataclass
class Product:
    sku: str
    name: str
    id: int | None = None

    def __post_init__(self) -> None:
        if not self.sku.strip():
            raise StockError("a product needs a SKU")
