from pricing.money import to_minor


def test_half_cents_round_to_even():
    assert to_minor("1.005") == 100
    assert to_minor("1.015") == 102


def test_yen_have_no_minor_units():
    assert to_minor("120", minor_units=0) == 120
