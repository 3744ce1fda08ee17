import pytest

from ledger.service import Ledger


async def test_account_codes_are_unique(db_session, test_data_tracker):
    ledger = Ledger(db_session)
    test_data_tracker.append(await ledger.open_account("CASH"))
    await ledger.commit()
    with pytest.raises(Exception):
        await ledger.open_account("CASH")
    assert len(test_data_tracker) == 1
