from sqlalchemy.ext.asyncio import AsyncSession

from billing.db import Customer, Invoice


class BillingUnitOfWork:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def __aenter__(self) -> "BillingUnitOfWork":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.session.rollback()

    async def add_customer(self, email: str) -> Customer:
        customer = Customer(email=email)
        self.session.add(customer)
        await self.session.flush()
        return customer

    async def bill(self, customer: Customer, total: float) -> Invoice:
        invoice = Invoice(customer_id=customer.id, total=total)
        self.session.add(invoice)
        await self.session.flush()
        return invoice

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()
