from decimal import ROUND_HALF_EVEN, Decimal


def to_minor(amount: str, minor_units: int = 2) -> int:
    quantum = Decimal(1).scaleb(-minor_units)
    return int(Decimal(amount).quantize(quantum, rounding=ROUND_HALF_EVEN).scaleb(minor_units))
