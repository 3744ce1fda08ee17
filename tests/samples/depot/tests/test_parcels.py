import pytest
from sqlalchemy.exc import IntegrityError

from depot.parcels import hand_over, receive, waiting

pytestmark = pytest.mark.anyio


async def test_a_received_parcel_waits_on_its_shelf(session):
    parcel = await receive(session, "zx-981")

    assert parcel.shelf.startswith("S")
    assert await waiting(session) == ["ZX981"]


async def test_a_parcel_handed_over_no_longer_waits(session):
    await receive(session, "zx-981")
    await receive(session, "qq-100")

    assert (await hand_over(session, "ZX 981")) is not None
    assert await waiting(session) == ["QQ100"]


async def test_a_parcel_is_handed_over_once(session):
    await receive(session, "kp-7")
    await hand_over(session, "kp-7")

    assert await hand_over(session, "kp-7") is None


async def test_the_same_code_cannot_be_received_twice(session):
    await receive(session, "dup-1")

    with pytest.raises(IntegrityError):
        await receive(session, "DUP 1")
