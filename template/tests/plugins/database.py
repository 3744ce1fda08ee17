"""The test database: one per xdist worker, made when a test first needs it.

Each process's database is known when pytest starts (``environment``): the
reference backend's ``DATABASE_URL`` points at it before the application is
imported; an adopted application is sent to it in the suite's tests
(``binding``). Neither ever reaches the database of your environment. The
database itself is made on first use: the run's template is built once
(migrations or ``create_all``: ``schema``), then copied for each process
(``provisioning``). A run that needs no database (``-m unit``,
``--collect-only``) makes none.

Where the database lives is the provider's business (``sqlite_provider`` or
``postgresql_provider``, the one ``answers.DATABASE`` names:
``environment.provider_module``); this module drives whichever it is.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
import pytest_asyncio

from .environment import (
    current_test_database_url,
    original_database_url,
    provider_module,
    restore_environment,
    test_database_location,
)
from .provisioning import (
    DatabaseProvider,
    ProvisioningError,
    build_failure,
    owns_run,
    remove_run_folder,
)
from .reaper import record
from .schema import build_schema
from .tiers import tier_of

if TYPE_CHECKING:  # SQLAlchemy and the application: imported when a test first needs them
    from sqlalchemy.engine import URL
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

DATABASE_TIERS = ("integration", "e2e")


@dataclass
class WorkerDatabase:
    """This process's test database, and what ``DATABASE_URL`` was before the run."""

    original_database_url: str | None
    unavailable: str | None = None
    """Why there is no test database (the message database tests fail with), if so."""
    opened: bool = False
    """This process set out to make its database (``close_process`` removes what it made)."""

    @property
    def url(self) -> URL:
        """Its URL, as SQLAlchemy's ``URL`` (read when a test first needs the database)."""
        url = current_test_database_url()
        assert url is not None, "environment.py knows this process's test database by now"
        return url


@dataclass
class ProviderInUse:
    """The provider of the run's databases, and whether this process has closed the run."""

    provider: DatabaseProvider
    closed: bool = False


test_database_key = pytest.StashKey[WorkerDatabase]()
provider_key = pytest.StashKey[ProviderInUse]()


# -- hooks -------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    try:
        provider = provider_module()
    except pytest.UsageError:
        return  # pytest_configure stops the run with the message, once options are read
    provider.add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    provider_module()  # an unknown database stops the run here, by name
    original = original_database_url()
    provider = provider_module().provider_for_this_run(original)
    if owns_run():  # the first process of the run (xdist workers start after it)
        record(config, provider.reap())
    config.stash[provider_key] = ProviderInUse(provider)
    config.stash[test_database_key] = WorkerDatabase(original, provider.unavailable())


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Drop the run's databases before the summary, which reports what was reaped."""
    close_run(session.config)


def pytest_unconfigure(config: pytest.Config) -> None:
    close_run(config)
    run = config.stash.get(provider_key, None)
    database = config.stash.get(test_database_key, None)
    if run is not None and database is not None and database.opened:
        run.provider.close_process(database.url)
    remove_run_folder()
    restore_environment()


def pytest_report_header(config: pytest.Config) -> str:
    database = config.stash[test_database_key]
    if database.unavailable is not None:
        return "test database: none, integration and E2E tests will fail (see their message)"
    return f"test database: {shown(test_database_location())} (made when a test first needs it)"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Without a test database, database tiers fail before any fixture tries to connect."""
    unavailable = item.config.stash[test_database_key].unavailable
    if unavailable is not None and tier_of(item) in DATABASE_TIERS:
        pytest.fail(short_reason(unavailable), pytrace=False)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The whole message once, rather than in every failed test (xdist: the workers' too)."""
    database = terminalreporter.config.stash.get(test_database_key, None)
    reason = build_failure() if database is None else database.unavailable or build_failure()
    if reason is not None:
        terminalreporter.write_sep("=", "test database: none, so database tests failed")
        terminalreporter.write_line(reason)


# -- fixtures ----------------------------------------------------------------


@pytest.fixture(scope="session")
def test_database(pytestconfig: pytest.Config) -> WorkerDatabase:
    """This worker's test database: its URL and the ``DATABASE_URL`` it replaced."""
    return pytestconfig.stash[test_database_key]


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def db_engine(
    pytestconfig: pytest.Config, test_database: WorkerDatabase
) -> AsyncIterator[AsyncEngine]:
    """The worker's engine, on its copy of the run's template (made here, on first use)."""
    from .seams import create_database_engine, dispose_engine  # imports the application

    await open_test_database(pytestconfig, test_database)
    engine = create_database_engine(test_database.url)
    provider_module().configure_test_engine(engine, pytestconfig)
    yield engine
    await dispose_engine()  # the application's engine, if a test opened it
    await engine.dispose()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def db_connection(db_engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """The worker's one connection: each test pays only BEGIN and ROLLBACK on it."""
    async with db_engine.connect() as connection:
        yield connection


@pytest.fixture(scope="module")
def empty_database_url(
    pytestconfig: pytest.Config, test_database: WorkerDatabase, db_engine: AsyncEngine
) -> Iterator[URL]:
    """A new, empty database of the run's kind, for a module whose tests build a schema.

    Shared by the tests of one module (creating a PostgreSQL database takes a
    few hundred milliseconds): what one test leaves in it, the next one finds.
    """
    provider = pytestconfig.stash[provider_key].provider
    with provider.empty_database(test_database.url) as url:
        yield url


# -- helpers -----------------------------------------------------------------


async def open_test_database(config: pytest.Config, database: WorkerDatabase) -> None:
    """Make this process's database, or fail the test with the reason there is none."""
    __tracebackhide__ = True
    if database.unavailable is None:
        provider = config.stash[provider_key].provider
        build = functools.partial(build_schema, config)
        database.opened = True
        try:  # in a thread: building may run the migrations' own event loop
            await asyncio.to_thread(provider.open_database, database.url, build)
        except ProvisioningError as error:
            database.unavailable = str(error)
    if database.unavailable is not None:
        pytest.fail(short_reason(database.unavailable), pytrace=False)


def close_run(config: pytest.Config) -> None:
    """In the run's first process: drop what the run made (once), count what was reaped."""
    run = config.stash.get(provider_key, None)
    if run is None or run.closed or not owns_run():
        return
    run.closed = True
    record(config, run.provider.close_run())


def shown(location: str | None) -> str:
    """``location`` with its password hidden (``urlsplit``: SQLAlchemy is not imported yet)."""
    password = urlsplit(location or "").password
    if location is None or password is None:
        return str(location)
    return location.replace(f":{password}@", ":***@", 1)


def short_reason(unavailable: str) -> str:
    return f"{unavailable.split('. ')[0]}. The fix is in 'test database' at the end of the run."
