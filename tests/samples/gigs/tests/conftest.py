import pytest

from src.pricing import with_booking_fee


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
async def quoted_price(anyio_backend):
    return with_booking_fee(2000)
