"""Transaction guard: db_session notices when the code under test ends its transaction.

``db_session`` isolates a test by rolling back one outer transaction on the
worker's connection. Code that ends that transaction itself (a second session
on ``db_session.bind`` that rolls back, ``COMMIT`` or ``ROLLBACK`` executed as
SQL, ``db_session.bind.commit()``) makes every later commit of the test real.
While a test holds ``db_session`` the guard listens to the connection's
``commit`` and ``rollback`` events and, after each statement, reads the
driver's own in-transaction flag. At teardown a test that ended the transaction
fails with the fix, after the database is put back to its clean state (see
``clean_state``), so no later test sees what it committed. What the test did to
the connection itself (concurrent use, state a rollback keeps) is checked here
too, by ``connection_health``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

import pytest
import pytest_asyncio

from .connection_health import BROKEN_MESSAGE, ConnectionHealth, describe
from .connection_state import sync_connection
from .settings import guards_enabled

if TYPE_CHECKING:  # SQLAlchemy: imported when a test first needs a database
    from sqlalchemy import Connection
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncTransaction

    from .clean_state import CleanState

ENDED_MESSAGE = (
    "db_session's transaction was ended by the code under test: {how}. What the test "
    "wrote after that escaped the rollback; the database was put back to its clean state, "
    "and this test fails. "
    "Fix: let db_session own its transaction. commit() and rollback() on db_session (or "
    "on get_unit_of_work(db_session)) act on a savepoint; do not open a second session on "
    "db_session.bind, and do not execute COMMIT or ROLLBACK as SQL. "
    "See docs/testing.md#isolation-checks"
)
HOW = {
    "rollback": "the connection was rolled back (a second session on db_session.bind?)",
    "commit": "the connection was committed (db_session.bind.commit()?)",
    "driver": "the driver left the transaction (COMMIT or ROLLBACK executed as SQL?)",
}


class TransactionGuard:
    """Begins db_session's outer transaction and notices whoever else ends it."""

    def __init__(
        self, connection: AsyncConnection, clean_state: CleanState, health: ConnectionHealth
    ) -> None:
        self._connection = connection
        self._clean_state = clean_state
        self._health = health
        self._broken: str | None = None
        self._transaction: AsyncTransaction | None = None
        self._watching = False
        self._ended_by: str | None = None

    async def begin(self) -> None:
        self._ended_by = None
        self._broken = None
        await self._health.begin_test()
        self._transaction = await self._connection.begin()
        self._watching = True

    async def rollback(self) -> None:
        """End the transaction, whatever the test did to it (a broken connection is replaced)."""
        self._watching = False
        self._broken = await self._health.stop_running()
        if self._broken is None:
            try:
                if self._transaction is not None and self._transaction.is_active:
                    await self._transaction.rollback()
                if self._connection.in_transaction():  # begun anew after the test ended ours
                    await self._connection.rollback()
            except Exception as error:
                self._broken = BROKEN_MESSAGE.format(error=describe(error))
        if self._broken is not None:
            await self._health.replace(self._broken)

    async def check(self) -> None:
        """Fail the test if it ended the transaction (once its rows are deleted) or harmed
        the connection (once it is replaced)."""
        __tracebackhide__ = True
        ended_by, self._ended_by = self._ended_by, None
        harmed, self._broken = self._broken or await self._health.check(), None
        messages = []
        if ended_by is not None:
            await self._clean_state.restore(self._connection)
            messages.append(ENDED_MESSAGE.format(how=HOW[ended_by]))
        if harmed is not None:
            messages.append(harmed)
        if messages:
            pytest.fail("\n".join(messages), pytrace=False)

    def install(self) -> None:
        from sqlalchemy import event

        self._listeners(event.listen)

    def uninstall(self) -> None:
        from sqlalchemy import event

        self._listeners(event.remove)

    def _listeners(self, apply: Callable[..., None]) -> None:
        """Add (``event.listen``) or remove (``event.remove``) the guard's listeners."""
        connection = sync_connection(self._connection)
        apply(connection, "commit", self._on_commit)
        apply(connection, "rollback", self._on_rollback)
        apply(connection, "after_cursor_execute", self._after_cursor_execute)

    def _ended(self, how: str) -> None:
        if self._watching and self._ended_by is None:
            self._ended_by = how

    def _on_commit(self, _connection: Connection) -> None:
        self._ended("commit")

    def _on_rollback(self, _connection: Connection) -> None:
        self._ended("rollback")

    def _after_cursor_execute(self, connection: Connection, *_args: Any) -> None:
        if self._watching and driver_in_transaction(connection) is False:
            self._ended("driver")


def driver_in_transaction(connection: Connection) -> bool | None:
    """What the driver itself says (sqlite3/aiosqlite, asyncpg); None if it cannot say."""
    driver = connection.connection.driver_connection
    flag = getattr(driver, "in_transaction", None)
    if isinstance(flag, bool):
        return flag
    probe = getattr(driver, "is_in_transaction", None)
    return bool(probe()) if callable(probe) else None


# -- fixtures ----------------------------------------------------------------


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def transaction_guard(
    pytestconfig: pytest.Config,
    db_connection: AsyncConnection,
    clean_state: CleanState,
    connection_health: ConnectionHealth,
) -> AsyncIterator[TransactionGuard]:
    """db_session's transaction on the worker's connection, watched unless guards are off."""
    guard = TransactionGuard(db_connection, clean_state, connection_health)
    enabled = guards_enabled(pytestconfig)
    if enabled:
        guard.install()
    yield guard
    if enabled:
        guard.uninstall()
