"""Pollution check: every integration and E2E test leaves the database as it found it.

Rows that a test commits outside ``db_session`` and nobody deletes (through
``get_session()``, a background task, a subprocess) make later tests fail far
from the cause, in an order that depends on the seed. So each integration and
E2E test finds the worker's database with its schema before it starts, and
after its teardown the rows are counted against the clean state (one
statement, on the worker's connection): the rows the schema build left, none
or your migrations' seed rows. A test that left rows fails naming the
tables and the counts, and the rows are deleted: the next test starts clean.

Counting is skipped when nothing can have written since the last count: no
connection was checked out of any pool (``get_session()``, another engine, a
thread), the worker's connection committed nothing, and no process, raw
driver connection or socket connection was opened (Python audit events).
E2E tests, whose servers and subprocesses write, are always counted.

Rows are blamed on whoever wrote them where that is known (``write_sources``):
a wider fixture, or a test that ended and left a thread writing.

Rows a module's tests share are committed once by a module-scoped fixture and
tracked with ``module_data_tracker``: before the module's first test, they and
the rows that belong to them (see ``clean_state``) join the clean state, so no
test is blamed for them and no cleanup deletes them; after the module, they are
deleted and the tracker checks nothing else was left.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Generator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
import pytest_asyncio

from .baseline import fail_unless_baselined
from .settings import guards_enabled
from .tiers import tier_of
from .write_sources import (
    BY_ITS_THREAD,
    LAST_TEST,
    LATE_PROPERTY,
    LATE_ROWS_MESSAGE,
    LateThreadErrors,
    LateWrites,
    Source,
    WriteWatch,
    hand_on,
    join_late_threads,
    late_thread_errors_key,
    write_watch_key,
)

if TYPE_CHECKING:  # SQLAlchemy and the application: imported when a test first needs them
    from sqlalchemy.ext.asyncio import AsyncConnection

    from .clean_state import CleanState, Key
    from .tracker import DataTracker

POLLUTION_GUARD = "pollution"
"""The name baseline entries use for this guard."""

CHECKED_TIERS = ("integration", "e2e")
ALWAYS_COUNTED_TIERS = ("e2e",)
LEFTOVER_ROWS_MESSAGE = (
    "Test pollution: this test left rows in the database that nothing removed:\n"
    "{tables}\nThey were deleted, so later tests start clean. Fix: use db_session, whose "
    "work is rolled back, or track each committed row with test_data_tracker "
    "(test_data_tracker.add(Model, id)); await any task that writes before the test ends. "
    "See docs/testing.md#test-pollution"
)
LEFTOVER_TABLE_LINE = "- table {table!r}: {count} row(s)"
FIXTURE_ROWS_MESSAGE = (
    "Test pollution: fixture {fixture!r}, set up for this test with a scope wider than a "
    "test, committed rows that nothing tracks:\n{tables}\nThey were deleted, so later tests "
    "start clean (and later users of the fixture will not find them). Fix: track them with "
    "module_data_tracker (module_data_tracker.add(Model, id)): they are kept for the module's "
    "tests and deleted after it. See docs/testing.md#data-shared-by-a-module"
)


@dataclass
class SharedData:
    """One module's tracker, and the rows it owns once its fixtures are set up."""

    tracker: DataTracker
    rows: dict[str, set[Key]] | None = None


clean_state_key = pytest.StashKey["CleanState"]()
shared_data_key = pytest.StashKey[list[SharedData]]()
"""The ``module_data_tracker``s alive now (one per module being run)."""


# -- hooks -------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    watch = WriteWatch()
    if guards_enabled(config):
        watch.install()
        config.pluginmanager.register(LateWrites(), "pyramid-late-writes")
        config.stash[late_thread_errors_key] = LateThreadErrors(watch.sources)
    config.stash[write_watch_key] = watch


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    watch = item.config.stash[write_watch_key]
    if guards_enabled(item.config):
        watch.watch_engines()  # if a test module imported SQLAlchemy by now
    sources = watch.sources
    sources.test_started(item)
    try:
        return (yield)
    finally:
        sources.test_ended(item)


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(
    fixturedef: pytest.FixtureDef[object], request: pytest.FixtureRequest
) -> Generator[None, object, object]:
    if fixturedef.scope == "function":
        return (yield)
    sources = request.config.stash[write_watch_key].sources
    sources.fixtures.append(fixturedef.argname)
    try:
        result = yield
    finally:
        sources.fixtures.pop()
    if fixturedef.argname == "db_connection" and guards_enabled(request.config):
        from sqlalchemy.ext.asyncio import AsyncConnection

        from .clean_state import CleanState
        from .seams import metadata

        if not isinstance(result, AsyncConnection):
            return result
        # The worker's connection (db_connection) just opened. Capture the clean state
        # now, before any other fixture can commit: a module fixture's rows are not clean.
        loop = request.getfixturevalue("session_loop")
        with sources.mute():
            state = loop.run_until_complete(CleanState.capture(result, metadata))
        request.config.stash[clean_state_key] = state
        sources.take()  # building the schema wrote before the clean state: nobody's rows
    return result


def pytest_unconfigure(config: pytest.Config) -> None:
    watch = config.stash.get(write_watch_key, None)
    if watch is not None and guards_enabled(config):
        watch.uninstall()
        watch.dirty = False  # the audit hook stays; it only sets this flag
    errors = config.stash.get(late_thread_errors_key, None)
    if errors is not None:
        errors.uninstall()  # before pytest puts back the hook it replaced


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
    watch.watch_engines()  # SQLAlchemy is imported by now
    request.getfixturevalue("_late_work_at_the_end")
    with watch.sources.mute():
        loop.run_until_complete(share_module_rows(request.config, connection, state))
    yield
    hand_on(request.node, request.config.stash.get(late_thread_errors_key, None))
    if not watch.dirty and tier not in ALWAYS_COUNTED_TIERS:
        return
    with watch.sources.mute():
        extra = loop.run_until_complete(state.reset(connection))
    watch.dirty = False
    sources = watch.sources.take()
    if extra:
        blame(request.node, sources, leftover_lines(extra))


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def _late_work_at_the_end(
    pytestconfig: pytest.Config, db_connection: AsyncConnection, clean_state: CleanState
) -> AsyncIterator[None]:
    """After the worker's last test: wait for the threads ended tests left, count once more."""
    errors = pytestconfig.stash[late_thread_errors_key]
    errors.install()  # over pytest's own hook, installed by now
    yield
    sources = pytestconfig.stash[write_watch_key].sources
    last = sources.current
    await asyncio.to_thread(join_late_threads, sources, last)
    with sources.mute():
        extra = await clean_state.reset(db_connection)
    if last is not None:
        if extra:
            seen_in = LAST_TEST.format(nodeid=last.nodeid)
            blame(last, sources.take(), leftover_lines(extra), seen_in)
        hand_on(last, errors)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def clean_state(pytestconfig: pytest.Config, db_connection: AsyncConnection) -> CleanState:
    """The worker's database right after the schema build: empty, or the rows migrations seed."""
    from .clean_state import CleanState
    from .seams import metadata

    if clean_state_key in pytestconfig.stash:
        return pytestconfig.stash[clean_state_key]
    return await CleanState.capture(db_connection, metadata)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def module_data_tracker(
    request: pytest.FixtureRequest, db_connection: AsyncConnection, clean_state: CleanState
) -> AsyncIterator[DataTracker]:
    """Track rows a module-scoped fixture commits for its module's tests to share.

    They are not pollution while the module runs, and are deleted (with the rows
    that belong to them) after it; rows left untracked fail the module's last test.
    """
    from .seams import TRACKER_SHORTCUTS, metadata
    from .tracker import DataTracker

    tracker = DataTracker(metadata, TRACKER_SHORTCUTS)
    await tracker.take_baseline(db_connection)
    shared = SharedData(tracker)
    active = request.config.stash.setdefault(shared_data_key, [])
    active.append(shared)
    yield tracker
    active.remove(shared)
    if shared.rows is not None:
        clean_state.unshare(shared.rows)
    await tracker.cleanup(db_connection)


# -- helpers ----------------------------------------------------------------


async def share_module_rows(
    config: pytest.Config, connection: AsyncConnection, clean_state: CleanState
) -> None:
    """Before a test runs: rows its module's fixtures committed join the clean state."""
    for shared in config.stash.setdefault(shared_data_key, []):
        if shared.rows is None:
            shared.rows = await shared.tracker.owned(connection)
            clean_state.share(shared.rows)


def blame(item: pytest.Item, sources: set[Source], tables: str, seen_in: str | None = None) -> None:
    """Fail the test that wrote the rows, or, if another did, report that one."""
    __tracebackhide__ = True
    if not sources or Source("test", item.nodeid) in sources:
        message = LEFTOVER_ROWS_MESSAGE.format(tables=tables)
    elif fixtures := sorted(source.name for source in sources if source.kind == "fixture"):
        message = FIXTURE_ROWS_MESSAGE.format(fixture=fixtures[0], tables=tables)
    else:  # written by a test that ended (its teardown, or a thread it left running)
        for source in sorted(sources, key=lambda source: source.name):
            how = BY_ITS_THREAD if source.kind == "late" else ""
            finding = LATE_ROWS_MESSAGE.format(
                culprit=source.name, how=how, tables=tables, seen_in=seen_in or item.nodeid
            )
            item.user_properties.append((LATE_PROPERTY, finding))
        return
    fail_unless_baselined(item, POLLUTION_GUARD, message)


def leftover_lines(extra: dict[str, int]) -> str:
    return "\n".join(
        LEFTOVER_TABLE_LINE.format(table=name, count=count) for name, count in sorted(extra.items())
    )
