import pytest


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
def berth():
    from harbor.db import Berth

    return Berth(code="A1", length_m=12)
