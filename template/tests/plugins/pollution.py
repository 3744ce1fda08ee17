"""Pollution check: every integration and E2E test leaves the database as it found it.

Rows that a test commits outside ``db_session`` and nobody deletes (through
``get_session()``, a background task, a subprocess) make later tests fail far
from the cause, in an order that depends on the seed. So each integration and
E2E test finds the worker's database with its schema before it starts, and
after its teardown the rows are counted against the clean state (one
statement, on the worker's connection). A test that left rows fails naming the
tables and the counts, and the rows are deleted: the next test starts clean.

Counting is skipped when nothing can have written since the last count: no
connection was checked out of any pool (``get_session()``, another engine, a
thread), the worker's connection committed nothing, and no process, raw
driver connection or socket connection was opened (Python audit events).
E2E tests, whose servers and subprocesses write, are always counted.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.pool import Pool

from .baseline import fail_unless_baselined
from .clean_state import CleanState
from .seams import metadata
from .settings import guards_enabled
from .shared_data import registry
from .tiers import tier_of

POLLUTION_GUARD = "pollution"
"""The name baseline entries use for this guard."""

CHECKED_TIERS = ("integration", "e2e")
ALWAYS_COUNTED_TIERS = ("e2e",)
WRITER_EVENTS = frozenset(
    {
        "subprocess.Popen",
        "os.system",
        "os.posix_spawn",
        "os.exec",
        "os.fork",
        "sqlite3.connect",
        "socket.connect",
    }
)
"""Audit events of a process, a raw driver connection or a server request: each may write."""
LEFTOVER_ROWS_MESSAGE = (
    "Test pollution: this test left rows in the database that nothing removed:\n"
    "{tables}\nThey were deleted, so later tests start clean. Fix: use db_session, whose "
    "work is rolled back, or track each committed row with test_data_tracker "
    "(test_data_tracker.add(Model, id)); await any task that writes before the test ends. "
    "See docs/testing.md#test-pollution"
)
LEFTOVER_TABLE_LINE = "- table {table!r}: {count} row(s)"


class WriteWatch:
    """Whether anything that could write to the test database happened since the last count."""

    def __init__(self) -> None:
        self.dirty = True  # nothing is known before the first count
        self._worker_connection: Any = None

    def install(self) -> None:
        event.listen(Pool, "checkout", self._on_checkout)
        sys.addaudithook(self._on_audit)  # audit hooks cannot be removed: see _on_audit

    def uninstall(self) -> None:
        event.remove(Pool, "checkout", self._on_checkout)
        self.forget_connection()

    def watch_commits(self, connection: AsyncConnection) -> None:
        """Commits on the worker's own connection count too (once per run)."""
        if self._worker_connection is None:
            self._worker_connection = connection.sync_connection
            event.listen(self._worker_connection, "commit", self._on_commit)

    def forget_connection(self) -> None:
        if self._worker_connection is not None:
            event.remove(self._worker_connection, "commit", self._on_commit)
            self._worker_connection = None

    def _on_checkout(self, *_args: Any) -> None:
        self.dirty = True

    def _on_commit(self, *_args: Any) -> None:
        self.dirty = True

    def _on_audit(self, name: str, _args: tuple[Any, ...]) -> None:
        if name in WRITER_EVENTS:
            self.dirty = True


write_watch_key = pytest.StashKey[WriteWatch]()


def leftover_lines(extra: dict[str, int]) -> str:
    return "\n".join(
        LEFTOVER_TABLE_LINE.format(table=name, count=count) for name, count in sorted(extra.items())
    )


# -- hooks -------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    watch = WriteWatch()
    if guards_enabled(config):
        watch.install()
    config.stash[write_watch_key] = watch


def pytest_unconfigure(config: pytest.Config) -> None:
    watch = config.stash.get(write_watch_key, None)
    if watch is not None and guards_enabled(config):
        watch.uninstall()
        watch.dirty = False  # the audit hook stays; it only sets this flag


# -- fixtures ----------------------------------------------------------------


@pytest.fixture(autouse=True)
def _database_tiers_start_and_end_clean(request: pytest.FixtureRequest) -> Iterator[None]:
    """Integration and E2E tests: schema before the test, pollution check after it."""
    tier = tier_of(request.node)
    if tier not in CHECKED_TIERS:
        yield
        return
    connection: AsyncConnection = request.getfixturevalue("db_connection")  # creates the schema
    if not guards_enabled(request.config):
        yield
        return
    state: CleanState = request.getfixturevalue("clean_state")
    loop = request.getfixturevalue("session_loop")
    watch = request.config.stash[write_watch_key]
    watch.watch_commits(connection)
    loop.run_until_complete(registry(request.config).settle(connection, state))
    yield
    if not watch.dirty and tier not in ALWAYS_COUNTED_TIERS:
        return
    extra = loop.run_until_complete(state.extra_rows(connection))
    if extra:
        loop.run_until_complete(state.restore(connection))
    watch.dirty = False
    if extra:
        message = LEFTOVER_ROWS_MESSAGE.format(tables=leftover_lines(extra))
        fail_unless_baselined(request.node, POLLUTION_GUARD, message)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def clean_state(db_connection: AsyncConnection) -> CleanState:
    """The worker's database as the first test that needs it finds it (normally empty)."""
    return await CleanState.capture(db_connection, metadata)
