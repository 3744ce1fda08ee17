"""Stop SQLite statements that run past the hang guard's deadline.

A statement that never ends (a recursive CTE without a limit) cannot be
cancelled from the event loop: on the fast path (``sqlite_inline``) it blocks
the loop itself, and on aiosqlite's thread a cancelled await leaves the thread
running it, so the teardown's rollback waits behind it forever. SQLite can stop
a running statement from another thread (``sqlite3.Connection.interrupt()``):
the hang guard calls ``interrupt_all`` at the test's deadline, the statement
fails with "interrupted", and the run goes on.
"""

from __future__ import annotations

import sqlite3
import weakref
from typing import Any

import aiosqlite
from sqlalchemy import Engine, event


class SQLiteInterrupter:
    """Every aiosqlite connection this process opens, so that their statements can be stopped."""

    def __init__(self) -> None:
        self._connections: weakref.WeakSet[aiosqlite.Connection] = weakref.WeakSet()
        self._installed = False

    def install(self) -> None:
        """Watch every engine's new connections (the suite's and the application's)."""
        if not self._installed:
            event.listen(Engine, "connect", self._on_connect)
            self._installed = True

    def uninstall(self) -> None:
        if self._installed:
            event.remove(Engine, "connect", self._on_connect)
            self._installed = False

    def interrupt_all(self) -> None:
        """Stop whatever statement each connection is running (none: nothing happens)."""
        for connection in list(self._connections):
            raw = getattr(connection, "_connection", None)
            if isinstance(raw, sqlite3.Connection):
                try:
                    raw.interrupt()
                except sqlite3.ProgrammingError:  # closed meanwhile
                    continue

    def _on_connect(self, dbapi_connection: Any, _record: Any) -> None:
        driver = getattr(dbapi_connection, "driver_connection", None)
        if isinstance(driver, aiosqlite.Connection):
            self._connections.add(driver)


interrupter = SQLiteInterrupter()
"""The process's one interrupter (connections are global: one listener is enough)."""
