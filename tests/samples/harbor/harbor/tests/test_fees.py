import pytest
from sqlalchemy import text

from harbor.db import Booking, async_session
from harbor.fees import environment, fee


def test_a_week_has_one_night_free(berth):
    assert fee(berth, Booking(boat="Tern", nights=7)) == 12 * 3 * 6


def test_a_booking_of_no_nights_is_refused(berth):
    with pytest.raises(ValueError):
        fee(berth, Booking(boat="Tern", nights=0))


def test_the_tests_run_in_the_pytest_environment():
    assert environment() == "pytest"


@pytest.mark.anyio
async def test_the_database_answers():
    async with async_session() as session:
        assert await session.scalar(text("SELECT 1")) == 1
