from decimal import Decimal

import pytest

from billing.money import with_tax


@pytest.mark.parametrize(("amount", "expected"), [("10.00", "12.00"), ("0.05", "0.06")])
def test_with_tax(amount, expected):
    assert with_tax(Decimal(amount), Decimal("0.2")) == Decimal(expected)
