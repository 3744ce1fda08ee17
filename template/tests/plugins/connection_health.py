"""Connection health: each test gets the worker's connection as it was first opened.

Every test of a worker runs on one connection (``db_connection``); the rollback
after each test undoes its rows, not what it did to the connection itself:

- concurrent use (``asyncio.gather`` on ``db_session``, or a task still running
  a statement when the test ends) leaves the driver in the middle of an
  operation: asyncpg then refuses everything ("another operation is in progress");
- state a rollback keeps (``PRAGMA query_only = ON``, a session advisory lock,
  execution options set on the connection: ``connection_state`` lists them);
- a statement aborted midway, a closed driver connection, a disposed engine.

Statements of two tasks that overlap are noticed as they start; a task still
querying ``db_session`` when the test ends is cancelled before the rollback
(which would otherwise wait behind it or fail). After the rollback, the
connection's state is read and compared with what it was when the connection
was opened. A test that broke or changed the connection fails naming the
cause, and the connection is replaced (invalidated: SQLAlchemy opens a new one
on its next use), so the next test starts clean whatever the seed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import pytest
import pytest_asyncio

from .connection_state import (
    changed_options,
    options_of,
    read_state,
    restore_options,
    sync_connection,
)
from .settings import guards_enabled

if TYPE_CHECKING:  # SQLAlchemy: imported when a test first needs a database
    from sqlalchemy.ext.asyncio import AsyncConnection
    from sqlalchemy.orm import ORMExecuteState

DOCS = "See docs/testing.md#the-connection-a-test-leaves"
CONCURRENT_MESSAGE = (
    "db_session was used by two tasks at once ({how}). One AsyncSession is not safe for "
    "concurrent use: on PostgreSQL its connection is left with 'another operation is in "
    "progress'. Fix: await its queries one after another, or give each concurrent task a "
    "session of its own. The worker's connection was replaced, so later tests start "
    f"clean. {DOCS}"
)
HOW_CONCURRENT = {
    "overlap": "a statement started while another task's was still running: asyncio.gather?",
    "running": "a task was still running a query on db_session when the test ended, and was "
    "cancelled: asyncio.gather or create_task on db_session?",
}
BROKEN_MESSAGE = (
    "db_session's connection was left unusable by this test ({error}). Common causes: the "
    "driver connection was closed, a statement was aborted midway. Fix: leave the connection "
    "to db_session. The worker's connection was replaced, so later tests start clean. "
    f"{DOCS}"
)
CHANGED_MESSAGE = (
    "This test changed db_session's connection in a way the rollback does not undo: "
    "{changes}. Later tests on this worker would have inherited it. Fix: undo it before "
    "the test ends (or, on PostgreSQL, use SET LOCAL inside db_session's transaction). "
    f"The worker's connection was replaced, so later tests start clean. {DOCS}"
)
DISPOSED_MESSAGE = (
    "This test disposed the suite's engine (db_session.bind.engine.dispose() or "
    "db_engine.dispose()): the worker's connection would be left to the garbage "
    "collector. Fix: dispose only engines the test creates itself; the suite disposes "
    f"its engine at the end of the run. The worker's connection was replaced. {DOCS}"
)
CANCEL_TIMEOUT_SECONDS = 5


class ConnectionHealth:
    """Watches the worker's connection for concurrent use, breakage and leftover state."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection
        self._running: list[asyncio.Task[Any]] = []
        self._session_users: set[asyncio.Task[Any]] = set()
        self._concurrent: str | None = None
        self._disposed = False
        self._baseline: dict[str, object] | None = None
        self._options: Mapping[str, Any] = {}
        self._enabled = False

    def install(self) -> None:
        from sqlalchemy import event

        self._enabled = True
        self._options = options_of(self._connection)  # kept when the connection is replaced
        self._listeners(event.listen)

    def uninstall(self) -> None:
        from sqlalchemy import event

        self._listeners(event.remove)

    def _listeners(self, apply: Callable[..., None]) -> None:
        """Add (``event.listen``) or remove (``event.remove``) the watcher's listeners."""
        from sqlalchemy.orm import Session

        connection = sync_connection(self._connection)
        apply(connection, "before_cursor_execute", self._before)
        apply(connection, "after_cursor_execute", self._after)
        apply(connection.engine, "engine_disposed", self._on_disposed)
        apply(Session, "do_orm_execute", self._on_session_execute)

    async def begin_test(self) -> None:
        """Forget the last test's findings; read the state of a newly opened connection."""
        self._concurrent = None
        self._session_users.clear()
        if self._enabled and self._baseline is None:
            self._baseline = await read_state(self._connection)

    async def stop_running(self) -> str | None:
        """Cancel the tasks still running a query (their test is over, and rolling back
        under them would hang); if there were any, say so."""
        tasks = self._still_running()
        if not tasks:
            return None
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks, timeout=CANCEL_TIMEOUT_SECONDS)
        for task in tasks:
            if task.done() and not task.cancelled():
                task.exception()  # read, so that it is not logged as never retrieved
        return CONCURRENT_MESSAGE.format(how=HOW_CONCURRENT["running"])

    async def check(self) -> str | None:
        """After the rollback: what this test did to the connection, if anything (then replaced)."""
        if not self._enabled:
            return None
        if self._concurrent is not None:
            return await self.replace(CONCURRENT_MESSAGE.format(how=self._concurrent))
        if self.take_disposed():
            return await self.replace(DISPOSED_MESSAGE)
        try:
            state = await read_state(self._connection)
        except Exception as error:
            return await self.replace(BROKEN_MESSAGE.format(error=describe(error)))
        changes = [
            f"{name} {before!r} -> {state.get(name)!r}"
            for name, before in (self._baseline or {}).items()
            if state.get(name) != before
        ]
        if options := changed_options(self._options, options_of(self._connection)):
            restore_options(self._connection, self._options)
            changes.append(options)
        if changes:
            return await self.replace(CHANGED_MESSAGE.format(changes=", ".join(changes)))
        return None

    def take_disposed(self) -> bool:
        disposed, self._disposed = self._disposed, False
        return disposed

    async def replace(self, reason: str) -> str:
        """Drop the driver connection; SQLAlchemy opens a fresh one on the next use."""
        self._running.clear()
        self._session_users.clear()
        self._baseline = None
        await self._connection.invalidate()
        if self._connection.in_transaction():
            await self._connection.rollback()  # ends the invalid transaction, nothing sent
        return reason

    def _still_running(self) -> list[asyncio.Task[Any]]:
        current = _current_task()
        tasks = {*self._running, *self._session_users} - {current}
        return [task for task in tasks if not task.done()]

    def _before(self, *_args: Any) -> None:
        task = _current_task()
        self._running = [running for running in self._running if not running.done()]
        if task is not None:
            if any(running is not task for running in self._running):
                self._concurrent = self._concurrent or HOW_CONCURRENT["overlap"]
            self._running.append(task)

    def _after(self, *_args: Any) -> None:
        task = _current_task()
        if task in self._running:
            self._running.remove(task)

    def _on_session_execute(self, state: ORMExecuteState) -> None:
        task = _current_task()
        if task is not None and state.session.bind is self._connection.sync_connection:
            self._session_users.add(task)  # a session on this connection: db_session

    def _on_disposed(self, _engine: Any) -> None:
        self._disposed = True


def describe(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__


def _current_task() -> asyncio.Task[Any] | None:
    try:
        return asyncio.current_task()
    except RuntimeError:  # no running loop: a synchronous engine in a thread
        return None


# -- fixtures ----------------------------------------------------------------


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def connection_health(
    pytestconfig: pytest.Config, db_connection: AsyncConnection
) -> AsyncIterator[ConnectionHealth]:
    """The worker connection's watcher (idle when ``pyramid_guards = false``)."""
    health = ConnectionHealth(db_connection)
    enabled = guards_enabled(pytestconfig)
    if enabled:
        health.install()
    yield health
    if enabled:
        health.uninstall()


@pytest.fixture(autouse=True)
def _suite_engine_left_open(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test that asks for ``db_engine`` and disposes it fails (``db_session`` checks its own)."""
    if "db_engine" not in request.fixturenames or "db_session" in request.fixturenames:
        yield
        return
    health: ConnectionHealth = request.getfixturevalue("connection_health")
    yield
    if health.take_disposed():
        loop = request.getfixturevalue("session_loop")
        message = loop.run_until_complete(health.replace(DISPOSED_MESSAGE))
        pytest.fail(message, pytrace=False)
