from datetime import date

import pytest

from kennel.stays import nights


def test_a_weekend_is_two_nights():
    assert nights(date(2025, 5, 2), date(2025, 5, 4)) == 2


def test_a_stay_ending_before_it_starts_is_refused():
    with pytest.raises(ValueError):
        nights(date(2025, 5, 4), date(2025, 5, 2))
