from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.db import Account, Entry


class Ledger:
    """Unit of work over one session: nothing is kept until commit()."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def __aenter__(self) -> "Ledger":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.session.rollback()

    async def open_account(self, code: str) -> Account:
        account = Account(code=code)
        self.session.add(account)
        await self.session.flush()
        return account

    async def post(self, account: Account, amount: int) -> None:
        self.session.add(Entry(account_id=account.id, amount=amount))
        await self.session.flush()

    async def balance(self, account: Account) -> int:
        total = await self.session.scalar(
            select(func.coalesce(func.sum(Entry.amount), 0)).where(Entry.account_id == account.id)
        )
        return int(total or 0)

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()


def balance_after(amounts: list[int]) -> int:
    return sum(amounts)
