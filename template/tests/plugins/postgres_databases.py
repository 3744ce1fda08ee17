"""The test run's databases on a PostgreSQL server: one template, one clone per worker.

The schema is created once, in the template database; each xdist worker then
gets ``CREATE DATABASE ... TEMPLATE ...``, a file-level copy that takes
milliseconds whatever the schema. Names carry the controller's owner tag (PID,
start time, host: see ``owners``), so runs sharing a server never meet.
Everything is dropped at the end of the run; what a killed run left is dropped
by the next run on the same machine, once that PID is gone.

This runs in the controller process, from pytest hooks, before and after the
tests' event loop exists: each operation gets its own short ``asyncio.run``
and a connection that is closed before it returns.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from sqlalchemy import MetaData, text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

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


class TestDatabases:
    """Creates and drops this run's databases through the server's maintenance database."""

    __test__ = False  # not a test class, despite the name

    def __init__(self, server_url: URL, name: str) -> None:
        self.server_url = server_url
        self.name = name
        self.template = f"{name}_template"
        self.clones: list[str] = []
        self.family = name.rsplit("_test_", 1)[0] + "_test_"
        """What every run of this project names its databases with."""

    def url_of(self, database: str) -> URL:
        return self.server_url.set(database=database)

    def create_template(self, metadata: MetaData) -> URL:
        """The template database, with every table of ``metadata`` in it."""
        self._admin(f"CREATE DATABASE {quoted(self.template)}")
        asyncio.run(_create_schema(self.url_of(self.template), metadata))
        return self.url_of(self.template)

    def create_clone(self, suffix: str) -> URL:
        """A copy of the template for one worker (``suffix`` is its name, e.g. ``gw0``)."""
        database = f"{self.name}_{suffix}"
        self._admin(f"CREATE DATABASE {quoted(database)} TEMPLATE {quoted(self.template)}")
        self.clones.append(database)
        return self.url_of(database)

    def drop_all(self) -> None:
        """Drop the clones, then the template, closing any connection left open."""
        for database in [*self.clones, self.template]:
            self._admin(f"DROP DATABASE IF EXISTS {quoted(database)} WITH (FORCE)")
        self.clones.clear()

    def reap_orphans(self) -> int:
        """Drop the databases of this project's runs that were killed; how many."""
        names = self._admin_names(
            "SELECT datname FROM pg_database WHERE datname LIKE :pattern",
            pattern=like_pattern(self.family),
        )
        gone = orphaned(names)
        for database in gone:
            self._admin(f"DROP DATABASE IF EXISTS {quoted(database)} WITH (FORCE)")
        return len(gone)

    def _admin(self, statement: str) -> None:
        self._admin_names(statement)

    def _admin_names(self, statement: str, **parameters: str) -> Sequence[str]:
        async def execute(connection: AsyncConnection) -> Sequence[str]:
            result = await connection.execute(text(statement), parameters)
            return list(result.scalars()) if result.returns_rows else []

        return asyncio.run(_with_connection(self.server_url, execute, autocommit=True))


async def _create_schema(url: URL, metadata: MetaData) -> None:
    async def create(connection: AsyncConnection) -> None:
        await connection.run_sync(metadata.create_all)

    await _with_connection(url, create, autocommit=False)


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
