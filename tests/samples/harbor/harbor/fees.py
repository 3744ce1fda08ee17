from harbor.db import Berth, Booking

RATE_PER_METRE = 3


def fee(berth: Berth, booking: Booking) -> int:
    """Marina fee: per metre of berth, per night, a week's stay gets one night free."""
    if booking.nights < 1:
        raise ValueError("a booking is at least one night")
    charged = booking.nights - booking.nights // 7
    return berth.length_m * RATE_PER_METRE * charged


def environment() -> str:
    import os

    return os.environ.get("HARBOR_ENVIRONMENT", "production")
