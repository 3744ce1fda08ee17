from ledger.service import Ledger, balance_after
from tests.fixtures import account_code


def test_balance_after_sums_amounts():
    assert balance_after([5, -2, 10]) == 13


async def test_posting_changes_the_balance(db_session):
    ledger = Ledger(db_session)
    account = await ledger.open_account(account_code(0))
    await ledger.post(account, 40)
    assert await ledger.balance(account) == 40
