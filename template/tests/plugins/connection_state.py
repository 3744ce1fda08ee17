"""What a connection keeps between transactions, read in one go so that two readings compare.

``connection_health`` reads this when the worker's connection opens and after
each test's rollback; any difference is something the test left for the next
one. Three layers keep state a rollback does not undo:

- the database session: SQLite pragmas, temporary objects, and the SQL
  functions and collations registered on the connection (``create_function``
  overriding ``lower()``...); PostgreSQL settings, advisory locks, prepared
  statements, cursors, ``LISTEN``, temporary tables (one query each);
- the driver connection: sqlite3's ``isolation_level`` (the driver's own
  ``BEGIN``s would break ``db_session``'s savepoints), ``text_factory`` and
  ``row_factory`` (how every later row is decoded); SQLAlchemy's asyncpg
  adapter's isolation level, read-only and deferrable flags, applied at every
  later ``BEGIN``;
- SQLAlchemy's ``Connection``: execution options set in place on it
  (``await connection.execution_options(schema_translate_map=...)``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # SQLAlchemy: imported when a test first needs a database
    from sqlalchemy import Connection
    from sqlalchemy.ext.asyncio import AsyncConnection

STATE_QUERIES = {
    # Every pragma that a connection keeps until it is closed, and that can be read.
    "sqlite": (
        "SELECT * FROM pragma_query_only, pragma_foreign_keys, pragma_recursive_triggers, "
        "pragma_reverse_unordered_selects, pragma_ignore_check_constraints, "
        "pragma_busy_timeout, pragma_automatic_index, pragma_temp_store, pragma_synchronous, "
        "pragma_cache_size, pragma_trusted_schema, pragma_cell_size_check, "
        "pragma_secure_delete, pragma_read_uncommitted, "
        "(SELECT count(*) AS temporary_objects FROM sqlite_temp_master)"
    ),
    "postgresql": (
        "SELECT (SELECT coalesce(string_agg(name || '=' || setting, ', ' ORDER BY name), '') "
        "FROM pg_settings WHERE source = 'session') AS settings, "
        "(SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
        "AND pid = pg_backend_pid()) AS advisory_locks, "
        "(SELECT coalesce(string_agg(name, ', ' ORDER BY name), '') FROM pg_prepared_statements "
        "WHERE from_sql) AS prepared_statements, "
        "(SELECT count(*) FROM pg_cursors) AS open_cursors, "
        "(SELECT count(*) FROM pg_listening_channels()) AS listening_channels, "
        "(SELECT count(*) FROM pg_class WHERE relnamespace = pg_my_temp_schema()) "
        "AS temporary_objects"
    ),
}
SQLITE_FUNCTIONS = (
    ", (SELECT count(*) AS application_functions FROM pragma_function_list WHERE builtin = 0), "
    "(SELECT count(*) AS collations FROM pragma_collation_list)"
)
"""SQL functions and collations registered on the connection (``create_function``...), where
this SQLite can list them (a build may leave the listing out)."""
_lists_functions: list[bool] = []
"""Whether this process's SQLite lists its functions (asked once)."""
DRIVER_ATTRIBUTES = {
    # driver name: (read on the driver's connection, read on SQLAlchemy's adapter of it)
    "aiosqlite": (("isolation_level", "text_factory", "row_factory"), ()),
    "asyncpg": ((), ("isolation_level", "readonly", "deferrable")),
}
EXECUTION_OPTIONS = "execution_options"
"""The key the state gives SQLAlchemy's execution options under."""


async def read_state(connection: AsyncConnection) -> dict[str, object]:
    """The connection's state, read on the driver: no BEGIN, no ROLLBACK, no events."""
    query = STATE_QUERIES.get(connection.dialect.name)
    state: dict[str, object] = {}
    driver_name = connection.dialect.driver
    if query is not None and driver_name in ("aiosqlite", "asyncpg"):
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        if driver_name == "asyncpg":
            state.update((await driver.fetchrow(query)).items())
        else:
            if await sqlite_lists_functions(driver):
                query += SQLITE_FUNCTIONS
            async with driver.execute(query) as cursor:
                row = await cursor.fetchone()
                state.update(zip([column[0] for column in cursor.description], row, strict=True))
        on_driver, on_adapter = DRIVER_ATTRIBUTES[driver_name]
        state.update(attributes(driver, on_driver))
        state.update(attributes(raw.dbapi_connection, on_adapter))
    elif query is not None:  # other drivers: SQLAlchemy's way
        from sqlalchemy import text

        async with connection.begin() as transaction:
            result = await connection.execute(text(query))
            state.update(zip(result.keys(), result.one(), strict=True))
            await transaction.rollback()
    return state


async def sqlite_lists_functions(driver: Any) -> bool:
    """Whether ``pragma_function_list`` works here (asked once per process)."""
    if not _lists_functions:
        try:
            async with driver.execute("SELECT 1 FROM pragma_function_list LIMIT 1"):
                pass
        except sqlite3.Error:
            _lists_functions.append(False)
        else:
            _lists_functions.append(True)
    return _lists_functions[0]


def attributes(owner: object, names: tuple[str, ...]) -> dict[str, object]:
    """``names`` read on ``owner`` (a class or function by its name, so that messages read well)."""
    values: dict[str, object] = {}
    for name in names:
        value = getattr(owner, name, None)
        values[name] = getattr(value, "__qualname__", value) if callable(value) else value
    return values


def options_of(connection: AsyncConnection) -> Mapping[str, Any]:
    """The execution options set on the connection itself (not per statement)."""
    return sync_connection(connection).get_execution_options()


def changed_options(before: Mapping[str, Any], after: Mapping[str, Any]) -> str | None:
    """How the execution options changed, e.g. ``execution_options schema_translate_map``."""
    names = sorted(name for name in {*before, *after} if before.get(name) != after.get(name))
    return f"{EXECUTION_OPTIONS} {', '.join(names)}" if names else None


def restore_options(connection: AsyncConnection, options: Mapping[str, Any]) -> None:
    """Put the connection's execution options back (SQLAlchemy can add them, not remove them)."""
    from sqlalchemy.util import immutabledict

    sync_connection(connection)._execution_options = immutabledict(options)


def sync_connection(connection: AsyncConnection) -> Connection:
    sync = connection.sync_connection
    assert sync is not None, "db_connection is open for the whole run"
    return sync
