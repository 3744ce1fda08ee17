from decimal import ROUND_HALF_EVEN, Decimal


def with_tax(amount: Decimal, rate: Decimal) -> Decimal:
    return (amount * (1 + rate)).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
