"""The test run's databases on a PostgreSQL server: one template, one copy per worker.

The schema is built once, in the template database; each process then gets
``CREATE DATABASE ... TEMPLATE ...``, a file-level copy that takes
milliseconds whatever the schema. Names carry the controller's owner tag (PID,
start time, host: see ``owners``), so runs sharing a server never meet.
Everything is dropped at the end of the run; what a killed run left is dropped
by the next run on the same machine, once that PID is gone.

This runs outside the tests' event loop (from pytest hooks, or in a thread of
its own): each operation gets its own short loop (``private_loop.run_apart``)
and a connection that is closed before it returns.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from .event_loops import run_apart
from .owners import orphaned, this_process

T = TypeVar("T")
PREFIX_LENGTH = 20
"""Room for the owner tag and ``_template`` within PostgreSQL's 63-byte names."""


def run_name(prefix: str) -> str:
    """A name prefix unique to this run, e.g. ``myapp_test_p4242t1764480000h3fa2c1``."""
    return f"{prefix[:PREFIX_LENGTH]}_test_{this_process().tag}"


def like_pattern(name: str) -> str:
    """``name`` as a LIKE prefix matching itself literally (``_`` is a wildcard there)."""
    return name.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%") + "%"


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class RunDatabases:
    """Creates and drops this run's databases through the server's maintenance database."""

    def __init__(self, server_url: URL, name: str) -> None:
        self.server_url = server_url
        self.name = name
        self.template = f"{name}_template"
        self.family = name.rsplit("_test_", 1)[0] + "_test_"
        """What every run of this project names its databases with."""

    def url_of(self, database: str) -> URL:
        return self.server_url.set(database=database)

    def create_template(self) -> URL:
        """The run's empty template database (its schema is built by ``schema``)."""
        self.create(self.template)
        return self.url_of(self.template)

    def create(self, database: str, *, template: str | None = None) -> None:
        """A new database: empty, or a file-level copy of ``template`` (milliseconds)."""
        copy = "" if template is None else f" TEMPLATE {quoted(template)}"
        self._admin(f"CREATE DATABASE {quoted(database)}{copy}")

    def drop(self, database: str) -> None:
        """Drop ``database``, closing any connection left open."""
        self._admin(f"DROP DATABASE IF EXISTS {quoted(database)} WITH (FORCE)")

    def drop_run(self) -> int:
        """Drop every database of this run (the copies first, then the template); how many."""
        names = self._names_like(like_pattern(f"{self.name}_"))
        for database in sorted(names, key=lambda name: name == self.template):
            self.drop(database)
        return len(names)

    def reap_orphans(self) -> int:
        """Drop the databases of this project's runs that were killed; how many."""
        gone = orphaned(self._names_like(like_pattern(self.family)))
        for database in gone:
            self.drop(database)
        return len(gone)

    def _names_like(self, pattern: str) -> Sequence[str]:
        return self._admin_names(
            "SELECT datname FROM pg_database WHERE datname LIKE :pattern", pattern=pattern
        )

    def _admin(self, statement: str) -> None:
        self._admin_names(statement)

    def _admin_names(self, statement: str, **parameters: str) -> Sequence[str]:
        async def execute(connection: AsyncConnection) -> Sequence[str]:
            result = await connection.execute(text(statement), parameters)
            return list(result.scalars()) if result.returns_rows else []

        return run_apart(_with_connection(self.server_url, execute, autocommit=True))


async def _with_connection(
    url: URL, work: Callable[[AsyncConnection], Awaitable[T]], *, autocommit: bool
) -> T:
    """Run ``work`` on a fresh connection (CREATE/DROP DATABASE need autocommit)."""
    options = {"isolation_level": "AUTOCOMMIT"} if autocommit else {}
    engine = create_async_engine(url, poolclass=NullPool, **options)
    try:
        async with engine.begin() as connection:
            return await work(connection)
    finally:
        await engine.dispose()
