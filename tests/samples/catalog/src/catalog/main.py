from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.database import get_db
from catalog.models import Item

app = FastAPI(title="catalog")
Session = Annotated[AsyncSession, Depends(get_db)]


class ItemIn(BaseModel):
    name: str
    price_cents: int


class ItemOut(ItemIn):
    id: int


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/items", status_code=201)
async def create_item(payload: ItemIn, session: Session) -> ItemOut:
    if payload.price_cents < 0:
        raise HTTPException(422, "price must not be negative")
    item = Item(name=payload.name, price_cents=payload.price_cents)
    session.add(item)
    await session.commit()
    return ItemOut(id=item.id, name=item.name, price_cents=item.price_cents)


@app.get("/items")
async def list_items(session: Session) -> list[ItemOut]:
    rows = await session.scalars(select(Item).order_by(Item.id))
    return [ItemOut(id=r.id, name=r.name, price_cents=r.price_cents) for r in rows]
