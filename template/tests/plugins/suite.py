"""The fixtures every tier shares, and the list of the suite's plugins.

Registered by ``tests/conftest.py`` (``pytest_plugins``), or, in a project the
suite was added to, by the ``conftest.py`` at the project's root; either way
the fixtures below reach every test without an edit to the project's files.

- ``db_session``: an ``AsyncSession`` whose work is rolled back after the test,
  even if the code under test commits.
- ``test_data_tracker``: cleanup for rows committed outside ``db_session``
  (the CLI subprocesses of the E2E tier, code that opens its own session).
- ``assert_max_queries``: ``with assert_max_queries(5): ...`` fails on N+1 queries.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

import pytest
import pytest_asyncio

from .event_loops import require_session_loop

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

    from .guards import DatabaseGuard
    from .queries import QueryLog
    from .tracker import DataTracker
    from .transaction_guard import TransactionGuard

# SQLAlchemy and the application are imported when a test first needs them: a
# run of unit tests that import neither never loads them.
pytest_plugins = [
    "tests.plugins.settings",
    "tests.plugins.fallbacks",  # before the modules that import it (assertion rewriting)
    "tests.plugins.tiers",
    "tests.plugins.baseline",
    "tests.plugins.reaper",
    "tests.plugins.schema",
    "tests.plugins.database",
    "tests.plugins.event_loops",
    "tests.plugins.pollution",
    "tests.plugins.connection_health",
    "tests.plugins.transaction_guard",
    "tests.plugins.leftover_tasks",
    "tests.plugins.guards",
    "tests.plugins.budgets",
    "tests.plugins.hangs",
    "tests.plugins.interrupts",
    "tests.plugins.examples",
]


@pytest_asyncio.fixture(loop_scope="session")
async def db_session(
    request: pytest.FixtureRequest,
    db_connection: AsyncConnection,
    database_guard: DatabaseGuard,
    transaction_guard: TransactionGuard,
    data_tracker: DataTracker,
) -> AsyncIterator[AsyncSession]:
    """A session inside a transaction that is rolled back after the test.

    ``commit()`` and ``rollback()`` in the code under test act on a SAVEPOINT
    (``join_transaction_mode="create_savepoint"``), so nothing survives the test.
    While it is open, any other connection fails at once instead of waiting
    for "database is locked" (see ``guards.py``).
    The checks of ``test_data_tracker`` (the same ``data_tracker``) run here,
    after the rollback, whatever order the test lists the two fixtures in. A test
    that ends the transaction itself fails, and what it committed is deleted
    (see ``transaction_guard.py``).
    """
    from sqlalchemy.ext.asyncio import AsyncSession

    require_session_loop(request, "db_session")
    await transaction_guard.begin()
    session = AsyncSession(
        bind=db_connection,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
    )
    try:
        with database_guard.held_by_db_session():
            yield session
    finally:
        # The outer rollback discards the session's savepoints with it, so the
        # session then closes without a ROLLBACK TO SAVEPOINT of its own.
        await transaction_guard.rollback()
        await session.close()
        await data_tracker.cleanup(db_connection)  # nothing to do unless rows were tracked
        await transaction_guard.check()


@pytest.fixture
def data_tracker() -> DataTracker:
    """The test's one tracker, behind both ``test_data_tracker`` and ``db_session``.

    Tests ask for ``test_data_tracker``. ``db_session`` requests this fixture to
    hold the same tracker, and runs its checks right after the rollback, whatever
    order a test lists the two fixtures in.
    """
    from .seams import TRACKER_SHORTCUTS, metadata
    from .tracker import DataTracker

    return DataTracker(metadata, TRACKER_SHORTCUTS)


@pytest_asyncio.fixture(loop_scope="session")
async def test_data_tracker(
    request: pytest.FixtureRequest, db_connection: AsyncConnection, data_tracker: DataTracker
) -> AsyncIterator[DataTracker]:
    """Track rows a test commits for real; they are deleted and checked at teardown.

    With ``db_session`` the rollback already removes them and ``db_session``
    verifies it. Without it, rows nobody tracked fail the test (test pollution).
    """
    require_session_loop(request, "test_data_tracker")
    if "db_session" in request.fixturenames:
        yield data_tracker  # db_session runs the checks after its rollback
        return
    await data_tracker.take_baseline(db_connection)
    yield data_tracker
    await data_tracker.cleanup(db_connection)


@pytest.fixture
def assert_max_queries(
    db_connection: AsyncConnection,
) -> Callable[[int], AbstractContextManager[QueryLog]]:
    """``with assert_max_queries(n): await ...`` fails, listing the SQL, above n queries.

    Counts statements sent on the test's connection (the one ``db_session``
    uses); BEGIN, SAVEPOINT and friends are not counted.
    """
    from .queries import max_queries

    return functools.partial(max_queries, db_connection)
