import pytest
from sqlalchemy import select

from tickets.config import database_url
from tickets.storage import Ticket


def test_the_database_name_is_appended_to_the_server_url():
    assert database_url("x").endswith("/x")


@pytest.mark.asyncio(loop_scope="session")
async def test_a_new_ticket_is_open(session, ticket_title):
    session.add(Ticket(title=ticket_title))
    await session.flush()
    ticket = await session.scalar(select(Ticket).where(Ticket.title == ticket_title))
    assert ticket is not None and not ticket.closed


@pytest.mark.asyncio(loop_scope="session")
async def test_tickets_start_empty(session):
    assert (await session.scalars(select(Ticket))).all() == []
