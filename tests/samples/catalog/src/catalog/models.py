from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from catalog.database import Base


class Category(Base):
    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(80), unique=True)


class Item(Base):
    __tablename__ = "item"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    price_cents: Mapped[int]
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
