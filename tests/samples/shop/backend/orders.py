from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models import Base


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer: Mapped[str] = mapped_column(String(80))
    total_cents: Mapped[int]


def with_vat(net_cents: int, rate_percent: int = 20) -> int:
    return (net_cents * (100 + rate_percent) + 50) // 100
