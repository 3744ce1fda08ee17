async def test_a_quote_includes_the_booking_fee(quoted_price):
    assert quoted_price > 2000
