"""Test-only fast path: the test connection's SQLite calls run on the event loop's thread.

aiosqlite runs every call of a connection on a thread of its own and hands the
result back to the event loop: two thread switches per statement, most of what
a short statement costs. The suite's one connection (``db_connection``, under
``db_session``) does not need them: its SQL runs one test at a time and only
ever waits for SQLite's own file locks. With ``pyramid_sqlite_inline = true``
(the default) that connection is still aiosqlite's, driven by SQLAlchemy's
aiosqlite dialect, but each call runs at once on the caller's thread, and it
keeps its rollback journal in memory instead of a file created and deleted by
every test's transaction.

The application's own engine, and so the CLI, the API server and code that
opens its own session, keep aiosqlite and its thread: production code is
exercised as it ships. ``-o pyramid_sqlite_inline=false`` runs the whole suite
on aiosqlite's thread too; the template's CI runs both.

It relies on private members of aiosqlite and on SQLAlchemy's ``await_only``:
it is imported only when the suite's engine is made (``sqlite_provider``), and
a release that moves what it relies on turns it off with one line at the end of
the run (``fallbacks``), never fails the run.

The trade-off: while a statement runs, the event loop waits for it. A statement
waiting for a lock held by another connection blocks the loop (up to SQLite's
busy timeout, 5 s, then "database is locked") instead of letting other tasks run;
the lock guard fails such a test before it gets there, and the hang guard still
catches every await that never finishes (see docs/testing.md#fast-sqlite-path).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Generator
from functools import partial
from typing import Any, cast

import aiosqlite
from sqlalchemy import event
from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import await_only

STATEMENT_CALLS = frozenset({"execute", "executemany", "executescript"})
"""The calls that give the event loop a turn (fetching rows and the like do not)."""
RELIED_ON_ATTRIBUTES = ("_tx", "_running", "_connection")
"""aiosqlite ``Connection`` members set in ``__init__`` that ``InlineConnection`` uses."""
RELIED_ON_METHODS = ("_connect", "_execute")


def missing_members() -> list[str]:
    """What the installed aiosqlite lacks of what this fast path relies on (nothing: ``[]``).

    SQLAlchemy's ``await_only`` and aiosqlite adapter are imported above: a
    release without them fails this module's import, which the provider catches.
    """
    lacking = [
        f"aiosqlite.Connection.{name}"
        for name in RELIED_ON_METHODS
        if not callable(getattr(aiosqlite.Connection, name, None))
    ]
    try:
        probe = aiosqlite.Connection(_never_connected, iter_chunk_size=64)  # starts no thread
    except TypeError:
        return [*lacking, "aiosqlite.Connection(connector, iter_chunk_size)"]
    absent = [name for name in RELIED_ON_ATTRIBUTES if not hasattr(probe, name)]
    return lacking + [f"aiosqlite.Connection().{name}" for name in absent]


def _never_connected() -> sqlite3.Connection:
    raise AssertionError("the probe of missing_members() never connects")


def run_sqlite_inline(engine: AsyncEngine) -> AsyncEngine:
    """Make ``engine``'s new connections run inline; other drivers are left as they are.

    It hooks the engine's ``do_connect`` event, so every setting the backend
    applies on connect (the savepoint fix, foreign keys) applies unchanged.
    """
    if engine.dialect.driver != "aiosqlite":
        return engine

    @event.listens_for(engine.sync_engine, "do_connect")
    def _connect_inline(
        dialect: Any, _record: Any, cargs: list[Any], cparams: dict[str, Any]
    ) -> AsyncAdapt_aiosqlite_connection:
        connection = InlineConnection(partial(_connect, *cargs, **cparams))
        # The adapter's __init__ is untyped in the oldest SQLAlchemy 2.0 releases allowed.
        return AsyncAdapt_aiosqlite_connection(  # type: ignore[no-untyped-call,unused-ignore]
            dialect.dbapi, cast(Any, await_only(connection))
        )

    return engine


def _connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
    """A sqlite3 connection that keeps its rollback journal in memory.

    Each test's transaction otherwise creates, writes and deletes a journal
    file next to the database. The file is this process's throwaway test
    database, so the crash safety that file buys is not needed; other
    connections (the application's, the CLI's) keep theirs.
    """
    connection: sqlite3.Connection = sqlite3.connect(*args, **kwargs)
    connection.execute("PRAGMA journal_mode = MEMORY")
    return connection


class InlineConnection(aiosqlite.Connection):
    """aiosqlite's connection without its thread: each call runs when it is awaited."""

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        # SQLAlchemy's dialect queues some calls on this queue itself.
        self._tx = _InlineQueue()  # type: ignore[assignment]

    def __await__(self) -> Generator[Any, None, aiosqlite.Connection]:
        return self._connect().__await__()  # no thread to start

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or self._connection is None:
            raise ValueError("Connection closed")
        if getattr(fn, "__name__", "") in STATEMENT_CALLS:
            # One turn of the event loop per statement, as a driver's await gives: code that
            # runs two statements at once (asyncio.gather on one session) is caught here too.
            await asyncio.sleep(0)
        return fn(*args, **kwargs)


class _InlineQueue:
    """Stands in for aiosqlite's queue to its thread: runs each call as it is queued."""

    def put_nowait(self, item: object) -> None:
        if not isinstance(item, tuple):
            return  # older aiosqlite's signal to stop its thread: there is none
        future, function = item
        try:
            result = function()
        except Exception as error:
            if future is not None and not future.done():
                future.set_exception(error)
            return
        if future is not None and not future.done():
            future.set_result(result)
