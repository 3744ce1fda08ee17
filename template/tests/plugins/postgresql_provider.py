"""The PostgreSQL test databases: ``<run>_<worker>`` on one server, copied from the run's template.

Each process's database name is known when pytest registers ``database``: the
run's name is chosen by its first process (the xdist controller) and handed
down to its workers (``environment.hand_down``), and so is the port of a
throwaway server. Nothing is started or created until a test needs a
database: then the first process builds the template (starting the throwaway
server if there is one) and every process gets ``CREATE DATABASE ... TEMPLATE``,
a file-level copy that takes milliseconds whatever the schema. Names carry the
controller's owner tag (see ``owners``), so runs sharing a server never meet.
The run's first process drops them all at the end; what a killed run left is
dropped by the next run on the same machine, once that PID is gone.

The driver is the one the application's own URL names (``asyncpg`` or
``psycopg``), so tests run on the driver production uses; if neither its URL nor
``TEST_DATABASE_URL`` names one, ``asyncpg``.
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from itertools import count
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from .answers import PACKAGE_NAME
from .database import (
    BuildSchema,
    DatabaseProvider,
    ProvisioningError,
    build_once,
    run_folder,
    run_owner,
    was_built,
)
from .environment import forget, inherited_or_chosen
from .event_loops import run_apart
from .owners import locked, orphaned, reap_folders, this_process, worker_name
from .postgres_interrupts import cancel_statements
from .postgres_server import ENVIRONMENT_VARIABLE as SERVER_URL_ENV
from .postgres_server import (
    NO_SERVER_MESSAGE,
    ServerUnavailableError,
    ThrowawayServer,
    find_server_binaries,
    free_port,
    reap_throwaway_servers,
    server_url_from_env,
    unlisted_install_hint,
)

T = TypeVar("T")
RUN_NAME = "postgres_run"
"""The handoff key of the run's name prefix (``environment``)."""
SERVER_PORT = "postgres_port"
"""The handoff key of the port the run's throwaway server will listen on."""
PREFIX_LENGTH = 20
"""Room for the owner tag and ``_template`` within PostgreSQL's 63-byte names."""
ASYNC_DRIVERS = {"asyncpg": "postgresql+asyncpg", "psycopg": "postgresql+psycopg"}
DEFAULT_DRIVER = ASYNC_DRIVERS["asyncpg"]
UNAVAILABLE_DATABASE = "no_test_database"
"""Where the variable points while no server is known: nowhere, and not at yours."""
FOLDER_PREFIX = f"{PACKAGE_NAME}-tests-"
SERVER_FILE = "server.json"
COPY_LOCK_FILE = "copy.lock"
DOCS = "docs/testing.md#running-postgresql-locally"
PROTECTED_SERVER_MESSAGE = (
    "{variable} names {server}, which is the database of your environment ({source}) that "
    "tests must never touch: the suite connects to {variable}'s database to create and "
    "drop its own test databases next to it. Fix: point {variable} at another database of "
    "that server ({other}), or point the application at its own database. See {docs}"
)


def add_options(parser: pytest.Parser) -> None:
    """This provider has no settings of its own (TEST_DATABASE_URL is read from the environment)."""


def configure_test_engine(engine: AsyncEngine, config: pytest.Config) -> None:
    """The suite's engine is the one the application would build; statements past the hang
    guard's deadline are cancelled on the server (``postgres_interrupts``)."""
    from .hangs import add_interrupter  # not at import: environment imports this module early

    add_interrupter(config, functools.partial(cancel_statements, engine.url))


def driver_for(original_url: str | None) -> str:
    """The async driver the application's URL names, else ``TEST_DATABASE_URL``'s, else asyncpg."""
    for raw in (original_url, os.environ.get(SERVER_URL_ENV)):
        try:
            named = make_url(raw).drivername.partition("+")[2] if raw else ""
        except ArgumentError:
            continue
        if named in ASYNC_DRIVERS:  # "postgresql+psycopg://", not a bare "postgresql://"
            return ASYNC_DRIVERS[named]
    return DEFAULT_DRIVER


def this_run() -> str:
    """The run's name prefix, the same in the controller and every worker."""
    return inherited_or_chosen(RUN_NAME, lambda: run_name(PACKAGE_NAME))


def planned_server(driver: str) -> URL:
    """The server the run will use: ``TEST_DATABASE_URL``'s, or a throwaway one (not started yet).

    Raises:
        ServerUnavailableError: there can be none; the message names the fix.
    """
    url = server_url_from_env(driver=driver)
    if url is not None:
        return url
    if find_server_binaries() is None:
        raise ServerUnavailableError(NO_SERVER_MESSAGE.format(hint=unlisted_install_hint()))
    port = int(inherited_or_chosen(SERVER_PORT, lambda: str(free_port())))
    return URL.create(driver, "postgres", None, "127.0.0.1", port, "postgres")


def location_for_this_process(original_url: str | None) -> str:
    """This process's database on the run's server (created when a test first needs it)."""
    driver = driver_for(original_url)
    try:
        server = planned_server(driver)
    except ServerUnavailableError:
        server = URL.create(driver, host="127.0.0.1", port=9, database=UNAVAILABLE_DATABASE)
        return server.render_as_string(hide_password=False)
    location = server.set(database=f"{this_run()}_{worker_name()}")
    return location.render_as_string(hide_password=False)


class PostgresProvider:
    """One server, a template per run, a copy per process (a ``DatabaseProvider``)."""

    def __init__(self, original_url: str | None) -> None:
        self.folder = run_folder(FOLDER_PREFIX)
        self.databases: RunDatabases | None = None
        self.reason: str | None = None
        self.scratch = count()
        self.throwaway = False
        try:
            server = planned_server(driver_for(original_url))
        except ServerUnavailableError as error:
            self.reason = str(error)
        else:
            self.databases = RunDatabases(server, this_run())
            self.throwaway = server_url_from_env() is None

    def unavailable(self) -> str | None:
        return self.reason

    def reap(self) -> dict[str, int]:
        """Stopped servers and folders now; databases at the end, once connected (``close_run``)."""
        return {
            "PostgreSQL server": reap_throwaway_servers(),
            "temporary folder": reap_folders(Path(tempfile.gettempdir()), FOLDER_PREFIX),
        }

    def open_database(self, url: URL, build_schema: BuildSchema) -> None:
        databases = self._databases()
        build_once(self.folder, lambda: self._build_template(build_schema))
        try:
            with locked(self.folder / COPY_LOCK_FILE):  # one copy of the template at a time
                databases.create(str(url.database), template=databases.template)
        except (OSError, SQLAlchemyError) as error:
            raise ProvisioningError(self._cannot_create(error)) from error

    @contextmanager
    def empty_database(self, url: URL) -> Iterator[URL]:
        databases = self._databases()
        name = f"{url.database}_empty{next(self.scratch)}"
        databases.create(name)
        try:
            yield url.set(database=name)
        finally:
            databases.drop(name)

    def close_process(self, url: URL) -> None:
        """Nothing: the run's first process drops every database of the run at once."""

    def close_run(self) -> dict[str, int]:
        """Drop the run's databases and those of killed runs; stop the throwaway server."""
        forget(RUN_NAME)
        forget(SERVER_PORT)
        if self.databases is None or not was_built(self.folder):
            return {}
        try:
            self.databases.drop_run()
            return {"database": self.databases.reap_orphans()}
        except (OSError, SQLAlchemyError):
            return {}  # the server is gone: nothing of this run's is left on it
        finally:
            self._stop_server()

    def _build_template(self, build_schema: BuildSchema) -> None:
        databases = self._databases()
        if self.throwaway:
            self._start_server()
        try:
            databases.drop(databases.template)  # what an interrupted build of this run left
            build_schema(databases.create_template())
        except (OSError, SQLAlchemyError) as error:
            raise ProvisioningError(self._cannot_create(error)) from error

    def _start_server(self) -> None:
        bin_dir = find_server_binaries()
        port = self._databases().server_url.port
        if bin_dir is None or port is None:  # checked by planned_server: cannot change midway
            raise ProvisioningError(NO_SERVER_MESSAGE.format(hint=unlisted_install_hint()))
        try:  # owned by the run's first process, not this worker, which may end first
            server = ThrowawayServer.start(bin_dir, port=port, owner=run_owner(self.folder))
        except ServerUnavailableError as error:
            raise ProvisioningError(str(error)) from error
        (self.folder / SERVER_FILE).write_text(
            json.dumps({"bin_dir": str(server.bin_dir), "directory": str(server.directory)})
        )

    def _stop_server(self) -> None:
        saved = self.folder / SERVER_FILE
        if not saved.exists():
            return
        fields = json.loads(saved.read_text())
        port = self._databases().server_url.port or 0
        ThrowawayServer(Path(fields["bin_dir"]), Path(fields["directory"]), port).stop()

    def _databases(self) -> RunDatabases:
        if self.databases is None:  # database.py fails such tests before they get here
            raise ProvisioningError(self.reason or "no PostgreSQL server")
        return self.databases

    def _cannot_create(self, error: Exception) -> str:
        server = self._databases().server_url.render_as_string(hide_password=True)
        return (
            f"Could not create the test databases on {server}: {type(error).__name__}: "
            f"{error}\nCheck that the server is running and that {SERVER_URL_ENV} names "
            f"a user allowed to CREATE DATABASE. See {DOCS}"
        )


def provider_for_this_run(original_url: str | None) -> DatabaseProvider:
    """The provider ``database`` drives (each provider module has this function).

    Raises:
        pytest.UsageError: ``TEST_DATABASE_URL`` names a database the production
            guard protects, which the suite would need to connect to.
    """
    refuse_protected_server(original_url)
    return PostgresProvider(original_url)


def refuse_protected_server(original_url: str | None) -> None:
    """Stop the run at once if the suite's server connection would reach a protected database."""
    # Imported here: guards imports database, which imports this module.
    from .connections import url_targets
    from .environment import protected_database_urls
    from .guards import protected_targets
    from .seams import URL_SOURCE
    from .targets import same_database

    try:
        server = server_url_from_env(driver=driver_for(original_url))
    except ServerUnavailableError:
        return  # reported to the database tests, with its fix
    if server is None:
        return
    protected = protected_targets(protected_database_urls())
    if any(same_database(target, p) for target in url_targets(server) for p in protected):
        given = make_url(os.environ[SERVER_URL_ENV].strip())  # as the user spelled it
        other = (
            f"e.g. {given.set(database='postgres').render_as_string()}"
            if server.database != "postgres"
            else "one made for it: CREATE DATABASE pyramid_admin, then .../pyramid_admin"
        )
        raise pytest.UsageError(
            PROTECTED_SERVER_MESSAGE.format(
                variable=SERVER_URL_ENV,
                server=given.render_as_string(),
                source=URL_SOURCE,
                other=other,
                docs=DOCS,
            )
        )


# -- the run's databases on the server ----------------------------------------


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
