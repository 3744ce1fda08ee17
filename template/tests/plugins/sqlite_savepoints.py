"""SQLite savepoint fix for the test engine (the same recipe as SQLAlchemy's docs).

Python's sqlite3 driver (and aiosqlite on top of it) starts and ends
transactions on its own schedule, so a released SAVEPOINT can commit for real
and rows leak between tests. Letting SQLAlchemy emit BEGIN itself makes
``db_session`` isolate. Apply the same to your application's engine if it
relies on savepoints.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.ext.asyncio import AsyncEngine


def configure_sqlite_engine(engine: AsyncEngine) -> None:
    """Enable real transactions, savepoints and foreign keys on a SQLite engine."""
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _connection_record: Any) -> None:
        # Stop the driver from emitting BEGIN/COMMIT behind SQLAlchemy's back.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")
