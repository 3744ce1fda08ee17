"""Stop PostgreSQL statements that run past the hang guard's deadline, whichever phase runs them.

In a test's own body ``asyncio.timeout`` cancels the await and the driver asks
the server to cancel the statement. A fixture's setup or teardown, or a
synchronous test, has no such timeout: the hang guard's watchdog calls
``cancel_statements`` at the deadline instead, which asks the server to cancel
every statement running on this worker's test database (each worker has its
own). The awaiting code gets the driver's "canceling statement" error and the
test fails with the hang guard's message.

It connects with the driver itself, not through SQLAlchemy: while a test holds
``db_session`` the lock guard refuses every pool checkout, and this runs on the
watchdog's thread, beside the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import threading
from typing import Any

from sqlalchemy.engine import URL

CANCEL_QUERY = (
    "SELECT pg_cancel_backend(pid) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'"
)
CONNECT_TIMEOUT_SECONDS = 5
"""The watchdog waits for this connection: a server that does not answer leaves the backstop."""


def cancel_statements(url: URL) -> None:
    """Cancel what runs on ``url``'s database now; never raises.

    On a thread of its own, whoever calls: the watchdog's thread, or the event
    loop's once the hang guard has seen the hang (no loop can be started there).
    """
    worker = threading.Thread(target=_cancel, args=(url,), name="hang-guard-cancel", daemon=True)
    worker.start()
    worker.join(CONNECT_TIMEOUT_SECONDS * 2)


def _cancel(url: URL) -> None:
    with contextlib.suppress(Exception):  # the backstop (pytest-timeout) remains if this fails
        if url.get_driver_name() == "asyncpg":
            asyncio.run(_cancel_with_asyncpg(url.translate_connect_args(username="user")))
        else:
            _cancel_with_psycopg(url.translate_connect_args(username="user", database="dbname"))


async def _cancel_with_asyncpg(arguments: dict[str, Any]) -> None:
    asyncpg: Any = importlib.import_module("asyncpg")  # the URL's driver: installed

    connection = await asyncpg.connect(**arguments, timeout=CONNECT_TIMEOUT_SECONDS)
    try:
        await connection.execute(CANCEL_QUERY)
    finally:
        await connection.close()


def _cancel_with_psycopg(arguments: dict[str, Any]) -> None:
    psycopg: Any = importlib.import_module("psycopg")  # the URL's driver: installed

    with psycopg.connect(
        **arguments, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS
    ) as connection:
        connection.execute(CANCEL_QUERY)
