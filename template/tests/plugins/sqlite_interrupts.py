"""Stop SQLite statements that run past the hang guard's deadline.

A statement that never ends (a recursive CTE without a limit) cannot be
cancelled from the event loop: on the fast path (``sqlite_inline``) it blocks
the loop itself, and on aiosqlite's thread a cancelled await leaves the thread
running it, so the teardown's rollback waits behind it forever. SQLite can stop
a running statement from another thread (``sqlite3.Connection.interrupt()``):
the hang guard calls ``interrupt_all`` at the test's deadline, the statement
fails with "interrupted", and the run goes on.

Connections come from two places: every aiosqlite connection an engine opens
(held weakly, for as long as it lives), and every ``sqlite3`` connection the
running test opens itself, a synchronous engine's or a raw one (seen through
Python's audit events; ``sqlite3`` connections cannot be held weakly, so they
are let go when the test ends).
"""

from __future__ import annotations

import sqlite3
import sys
import weakref
from typing import Any

import aiosqlite
from sqlalchemy import Engine, event


class SQLiteInterrupter:
    """Every aiosqlite connection this process opens, so that their statements can be stopped."""

    def __init__(self) -> None:
        self._connections: weakref.WeakSet[aiosqlite.Connection] = weakref.WeakSet()
        self._opened_by_test: list[sqlite3.Connection] = []
        self._installed = False
        self._auditing = False

    def install(self) -> None:
        """Watch every engine's new connections (the suite's and the application's)."""
        if not self._installed:
            event.listen(Engine, "connect", self._on_connect)
            self._installed = True
        if not self._auditing:  # an audit hook cannot be removed: it checks _installed
            sys.addaudithook(self._on_audit)
            self._auditing = True

    def uninstall(self) -> None:
        if self._installed:
            event.remove(Engine, "connect", self._on_connect)
            self._installed = False
        self.forget_test_connections()

    def interrupt_all(self) -> None:
        """Stop whatever statement each connection is running (none: nothing happens)."""
        raws = [getattr(connection, "_connection", None) for connection in list(self._connections)]
        for raw in [*raws, *list(self._opened_by_test)]:
            if isinstance(raw, sqlite3.Connection):
                try:
                    raw.interrupt()
                except sqlite3.ProgrammingError:  # closed meanwhile
                    continue

    def forget_test_connections(self) -> None:
        """The test ended: let go of the ``sqlite3`` connections it opened."""
        self._opened_by_test.clear()

    def pytest_runtest_logfinish(self) -> None:
        self.forget_test_connections()

    def _on_connect(self, dbapi_connection: Any, _record: Any) -> None:
        driver = getattr(dbapi_connection, "driver_connection", None)
        if isinstance(driver, aiosqlite.Connection):
            self._connections.add(driver)

    def _on_audit(self, name: str, args: tuple[Any, ...]) -> None:
        if self._installed and name == "sqlite3.connect/handle":
            self._opened_by_test.append(args[0])


interrupter = SQLiteInterrupter()
"""The process's one interrupter (connections are global: one listener is enough)."""
