def with_booking_fee(price_cents: int, fee_percent: int = 10) -> int:
    return price_cents + (price_cents * fee_percent + 99) // 100


def sold_out(tickets_sold: int, capacity: int) -> bool:
    return tickets_sold >= capacity
