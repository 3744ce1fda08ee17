from pricing.money import to_minor


def test_whole_amounts_gain_two_zeros():
    assert to_minor("7") == 700
