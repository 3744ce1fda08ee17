from src.pricing import sold_out, with_booking_fee


def test_fee_rounds_up():
    assert with_booking_fee(1001) == 1102


def test_a_full_venue_is_sold_out():
    assert sold_out(500, 500)
    assert not sold_out(499, 500)
