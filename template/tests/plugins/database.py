"""The test database's lifecycle: one per xdist worker, made when a test first needs it.

From start to end of a run:

1. **Registered** (``pytest_plugin_registered``): the provider names this
   process's database (nothing is made yet). The reference backend's
   ``DATABASE_URL`` is pointed at it before any test module imports the
   application (``environment``); an adopted application is sent to it in the
   suite's tests (``binding``). Neither ever reaches the database of your
   environment.
2. **Configured**: the run's first process makes the run's folder (handed to
   xdist workers: ``environment.hand_down``) and removes what killed runs left.
3. **First needed** (``db_engine``): the first process to get here builds the
   run's template once, under a lock (``build_once``; the schema: ``schema``);
   every process then gets its own copy. A run that needs no database
   (``-m unit``, ``--collect-only``) makes none.
4. **Ended**: each process removes its copy, the first one the run's folder and
   databases.

Where a database lives is the provider's business: the module
``<database answer>_provider`` (``sqlite_provider``, ``postgresql_provider``),
with the four functions of ``ProviderModule`` and a ``DatabaseProvider``.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import importlib.util
import json
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast
from urllib.parse import urlsplit

import pytest
import pytest_asyncio

from .answers import DATABASE
from .environment import (
    REWRITES_VARIABLE,
    forget,
    hand_down,
    handed_down,
    original_database_url,
    point_at_test_database,
    restore_environment,
)
from .owners import Owner, locked, owner_in, this_process
from .reaper import record
from .schema import build_schema
from .tiers import tier_of

if TYPE_CHECKING:  # SQLAlchemy and the application: imported when a test first needs them
    from sqlalchemy.engine import URL
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

DATABASE_TIERS = ("integration", "e2e")
RUN_FOLDER = "run_folder"
"""The handoff key of the run's folder (``environment``)."""
OUTCOME_FILE = "template.json"
LOCK_FILE = "template.lock"
UNKNOWN_DATABASE_MESSAGE = (
    "database = {database!r} in tests/plugins/answers.py: the suite has no provider for it "
    "(no tests/plugins/{database}_provider.py). This copy has one for: {known}. "
    "Answer one of them: copier update --data database={first}"
)

BuildSchema = Callable[["URL"], None]
"""Creates the schema in the empty database at the URL (see ``schema.build_schema``)."""


# -- the provider ------------------------------------------------------------


class ProvisioningError(RuntimeError):
    """The test database cannot be made; the message says why and what to do."""


class DatabaseProvider(Protocol):
    """The databases of one run, of one kind (made by ``provider_for_this_run``)."""

    def unavailable(self) -> str | None:
        """Why no test database can exist in this run (known before any test), if so."""

    def reap(self) -> dict[str, int]:
        """Remove what killed runs left (cheap: no server is started); counts for the header."""

    def open_database(self, url: URL, build_schema: BuildSchema) -> None:
        """Make this process's database at ``url``, a copy of the run's template."""

    def empty_database(self, url: URL) -> AbstractContextManager[URL]:
        """A new empty database next to this process's one, dropped afterwards."""

    def close_process(self, url: URL) -> None:
        """Remove this process's database (every process, at the end)."""

    def close_run(self) -> dict[str, int]:
        """Remove the run's databases and what it started (its first process, at the end).

        Returns what killed runs left and this run removed, for the summary.
        """


class ProviderModule(Protocol):
    """What a ``<database>_provider`` module offers."""

    def add_options(self, parser: pytest.Parser) -> None: ...
    def configure_test_engine(self, engine: AsyncEngine, config: pytest.Config) -> None: ...
    def location_for_this_process(self, original_url: str | None) -> str: ...
    def provider_for_this_run(self, original_url: str | None) -> DatabaseProvider: ...


def provider_module(database: str = DATABASE) -> ProviderModule:
    """The module that makes ``database``'s test databases; an unknown one is a usage error."""
    name = f"{__package__}.{database}_provider"
    if not database.isidentifier() or importlib.util.find_spec(name) is None:
        known = sorted(
            path.name.removesuffix("_provider.py")
            for path in Path(__file__).parent.glob("*_provider.py")
        )
        raise pytest.UsageError(
            UNKNOWN_DATABASE_MESSAGE.format(
                database=database, known=", ".join(known) or "none", first=(known or ["sqlite"])[0]
            )
        )
    return cast(ProviderModule, importlib.import_module(name))


# -- this process's database -------------------------------------------------


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
        from sqlalchemy.engine import make_url

        return make_url(test_database_location())


@functools.cache
def test_database_location() -> str:
    """This process's test database as a URL string (named once per process, made later).

    A string, so that pointing the variable at it at start-up needs no SQLAlchemy:
    a run of unit tests that never touch a database never loads it.
    """
    return provider_module().location_for_this_process(original_database_url())


# -- the run's folder and its template ---------------------------------------


owned_folders: list[Path] = []
"""The run's folder, in the process that made it (the one that removes it)."""


def run_folder(prefix: str) -> Path:
    """The run's folder: made by the first process, inherited by the others."""
    inherited = handed_down(RUN_FOLDER)
    if inherited:
        return Path(inherited)
    folder = Path(tempfile.mkdtemp(prefix=f"{prefix}run-{this_process().tag}-"))
    hand_down(RUN_FOLDER, str(folder))
    owned_folders.append(folder)
    return folder


def scratch_folder(prefix: str) -> Path:
    """A new folder inside the run's, for files a test helper keeps while the run lasts.

    It goes with the run's folder: at the end of the run, or, if the run is
    killed, when the next run reaps what it left.
    """
    return Path(tempfile.mkdtemp(prefix=prefix, dir=handed_down(RUN_FOLDER)))


def run_owner(folder: Path) -> Owner:
    """The run's first process, as written in the run folder's name."""
    owner = owner_in(folder.name)
    assert owner is not None, folder
    return owner


def owns_run() -> bool:
    """True in the process that made the run's folder: the one that cleans up after the run."""
    return bool(owned_folders)


def remove_run_folder() -> None:
    for folder in owned_folders:
        shutil.rmtree(folder, ignore_errors=True)
    if owned_folders:
        forget(RUN_FOLDER)
    owned_folders.clear()


def build_once(folder: Path, build: Callable[[], None]) -> None:
    """Run ``build`` unless a process of this run already did; its error, if it failed.

    The first process takes the lock, builds and writes down how that went; the
    others wait, read the outcome and copy the template. A failed build is
    written down too, so every process reports the same error.

    Raises:
        ProvisioningError: this or an earlier process's ``build`` failed.
    """
    outcome = folder / OUTCOME_FILE
    with locked(folder / LOCK_FILE):
        if not outcome.exists():
            error = None
            try:
                build()
            except Exception as failure:  # every process must learn why, not only this one
                error = describe(failure)
            outcome.write_text(json.dumps({"error": error}))
        error = json.loads(outcome.read_text())["error"]
    if error is not None:
        raise ProvisioningError(error)


def describe(failure: Exception) -> str:
    if isinstance(failure, ProvisioningError):
        return str(failure)
    return f"{type(failure).__name__}: {failure}"


def build_failure() -> str | None:
    """Why the run's template could not be built, if a process of this run tried and failed."""
    folder = handed_down(RUN_FOLDER)
    outcome = Path(folder, OUTCOME_FILE) if folder else None
    if outcome is None or not outcome.exists():
        return None
    error: str | None = json.loads(outcome.read_text())["error"]
    return error


def was_built(folder: Path) -> bool:
    """True once a process of the run has tried to build the template."""
    return (folder / OUTCOME_FILE).exists()


@dataclass
class ProviderInUse:
    """The provider of the run's databases, and whether this process has closed the run."""

    provider: DatabaseProvider
    closed: bool = False


test_database_key = pytest.StashKey[WorkerDatabase]()
provider_key = pytest.StashKey[ProviderInUse]()


# -- hooks -------------------------------------------------------------------


def pytest_plugin_registered(plugin: object) -> None:
    """Once pytest has registered this module: point the reference backend at its database.

    That is before any test module, or a conftest below ``tests/``, imports the
    application, so whatever it builds from ``DATABASE_URL`` is built there.
    """
    if plugin is not sys.modules[__name__] or not REWRITES_VARIABLE:
        return
    try:
        location = test_database_location()
    except pytest.UsageError:
        return  # an unknown database: pytest_configure stops the run with it
    point_at_test_database(location)


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
