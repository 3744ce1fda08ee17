"""Guards that turn the testing guide's database rules into failures that say the fix.

One ``DatabaseGuard`` watches the two places every SQLAlchemy engine passes
through, whatever the URL and however ``get_session`` was imported:

- a pool checkout (any engine handing out a connection): refused while a test
  holds ``db_session`` (lock prevention) and during unit tests (unit purity);
- a new DBAPI connection: refused when it targets the ``DATABASE_URL`` of your
  environment or the application's default database (production guard).
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Generator, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.engine import URL, Dialect, make_url
from sqlalchemy.pool import Pool

from .baseline import baseline_of, fail_unless_baselined
from .database import test_database_key
from .pg_targets import postgres_targets
from .seams import DEFAULT_DATABASE_URL, SESSION_HAND_OVER, UNIT_TEST_FIX, URL_FIX, URL_SOURCE
from .settings import guards_enabled
from .targets import Target, is_uri, same_database, server_target, sqlite_target
from .tiers import tier_of

DATABASE_FIXTURES = (
    "db_session",
    "test_data_tracker",
    "assert_max_queries",
    "db_connection",
    "db_engine",
)

UNIT_DATABASE_GUARD = "unit-database"
"""The name baseline entries use for the unit tier's database rules."""

LOCK_MESSAGE = (
    "A second database connection was opened while db_session holds this test's "
    "transaction. On SQLite it would wait for 'database is locked'; anywhere, its "
    "writes would escape the rollback. Fix: hand db_session to the code under test "
    f"{SESSION_HAND_OVER}. See docs/testing.md#database-is-locked"
)
UNIT_CONNECTION_MESSAGE = (
    "Unit tests are isolated from the database, but this test opened a connection. "
    f"Fix: {UNIT_TEST_FIX}, or move the test to "
    "tests/integration/. See docs/testing.md#unit-tests-stay-pure"
)
UNIT_FIXTURE_MESSAGE = (
    "{nodeid} requests {fixtures}, but unit tests are isolated from the database. "
    f"Fix: {UNIT_TEST_FIX}, or move the test to "
    "tests/integration/ (repositories/ or use_cases/). "
    "See docs/testing.md#unit-tests-stay-pure"
)
PRODUCTION_MESSAGE = (
    "A test tried to connect to {target}, the database of your environment "
    f"({URL_SOURCE}). Tests only use their own database, "
    "{test_target}. "
    f"Fix: {URL_FIX}. "
    "See docs/testing.md#production-database-guard"
)


class DatabaseAccessError(RuntimeError):
    """A test reached a database where the testing rules forbid it."""


class DatabaseGuard:
    """Refuses connections while blocked, and connections to protected databases."""

    def __init__(self, protected_targets: list[Target], test_target: Target) -> None:
        self._protected_targets = protected_targets
        self._test_target = test_target
        self._blocks: list[tuple[str, Callable[[str], None] | None]] = []

    @contextlib.contextmanager
    def block(self, message: str, *, report: Callable[[str], None] | None = None) -> Iterator[None]:
        """Refuse every connection checkout until the block ends (blocks nest).

        With ``report``, a checkout is allowed and the message handed to it
        instead: how a baselined test keeps running as it did before adoption.
        """
        self._blocks.append((message, report))
        try:
            yield
        finally:
            self._blocks.pop()

    def held_by_db_session(self) -> contextlib.AbstractContextManager[None]:
        """Refuse other connections while db_session owns the test's transaction."""
        return self.block(LOCK_MESSAGE)

    @property
    def blocked(self) -> bool:
        return bool(self._blocks)

    def install(self) -> None:
        event.listen(Pool, "checkout", self._on_checkout)
        event.listen(Engine, "do_connect", self._on_do_connect)

    def uninstall(self) -> None:
        event.remove(Pool, "checkout", self._on_checkout)
        event.remove(Engine, "do_connect", self._on_do_connect)

    def _on_checkout(self, *_args: Any) -> None:
        if self._blocks:
            message, report = self._blocks[-1]
            if report is None:
                raise DatabaseAccessError(message)
            report(message)

    def _on_do_connect(
        self, dialect: Dialect, _record: Any, cargs: list[Any], cparams: dict[str, Any]
    ) -> None:
        for target in connect_targets(dialect, cargs, cparams):
            if any(same_database(target, protected) for protected in self._protected_targets):
                raise DatabaseAccessError(
                    PRODUCTION_MESSAGE.format(
                        target=target.label, test_target=self._test_target.label
                    )
                )


def url_targets(url: URL) -> list[Target]:
    """Every database a URL may reach: on PostgreSQL, with the driver's defaults filled in."""
    if url.get_backend_name() != "postgresql":
        return [url_target(url)]
    params: dict[str, object] = dict(url.translate_connect_args(username="user"))
    params.update(url.query)
    return list(postgres_targets([], params, os.environ))


def url_target(url: URL) -> Target:
    """The database a URL reaches (see ``targets``: identity, not spelling)."""
    if url.get_backend_name() == "sqlite":
        query = dict(url.query)
        uri = is_uri(query.pop("uri", None))
        database = url.database
        if uri and database and query:  # what SQLAlchemy hands sqlite3 with uri=true
            database += "?" + "&".join(f"{key}={value}" for key, value in query.items())
        return sqlite_target(database, uri=uri)
    host = url.host or url.query.get("host")
    return server_target(url.get_backend_name(), host, url.port, url.database)


def connect_targets(dialect: Dialect, cargs: list[Any], cparams: dict[str, Any]) -> list[Target]:
    """The same, from the arguments a driver is about to connect with (read at that moment)."""
    if dialect.name == "sqlite":
        database = cargs[0] if cargs else cparams.get("database")
        uri = is_uri(cparams.get("uri"))
        return [sqlite_target(None if database is None else str(database), uri=uri)]
    if dialect.name == "postgresql":
        return list(postgres_targets(cargs, cparams, os.environ))
    database = cparams.get("database", cparams.get("dbname"))
    return [server_target(dialect.name, cparams.get("host"), cparams.get("port"), database)]


def protected_targets(original_database_url: str | None) -> list[Target]:
    """The user's ``DATABASE_URL`` (if any) and the application's default database."""
    urls = [url for url in (DEFAULT_DATABASE_URL, original_database_url) if url]
    targets = []
    for raw in urls:
        try:
            targets.extend(url_targets(make_url(raw)))
        except Exception:  # an unparsable URL cannot be connected to anyway
            continue
    return targets


database_guard_key = pytest.StashKey[DatabaseGuard]()
guards_enabled_key = pytest.StashKey[bool]()


# -- hooks -------------------------------------------------------------------


@pytest.hookimpl(trylast=True)  # after the database plugin has chosen the test database
def pytest_configure(config: pytest.Config) -> None:
    test_database = config.stash[test_database_key]
    enabled = guards_enabled(config)
    test_targets = url_targets(test_database.url)
    protected = protected_targets(test_database.original_database_url)
    guard = DatabaseGuard(
        [
            target
            for target in protected
            if not any(same_database(target, test_target) for test_target in test_targets)
        ],
        test_target=test_targets[0],
    )
    if enabled:
        guard.install()
    config.stash[database_guard_key] = guard
    config.stash[guards_enabled_key] = enabled


def pytest_unconfigure(config: pytest.Config) -> None:
    guard = config.stash.get(database_guard_key, None)
    if guard is not None and config.stash[guards_enabled_key]:
        guard.uninstall()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if tier_of(item) != "unit" or not item.config.stash[guards_enabled_key]:
        return
    used = [name for name in DATABASE_FIXTURES if name in getattr(item, "fixturenames", ())]
    if not used:
        return
    # DATABASE_FIXTURES lists the fixture a test asks for before those it implies.
    message = UNIT_FIXTURE_MESSAGE.format(nodeid=item.nodeid, fixtures=used[0])
    fail_unless_baselined(item, UNIT_DATABASE_GUARD, message)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    if tier_of(item) != "unit" or not item.config.stash[guards_enabled_key]:
        return (yield)
    baseline = baseline_of(item.config)
    report = None
    if baseline.excuses(item, UNIT_DATABASE_GUARD):
        report = functools.partial(baseline.report, item, UNIT_DATABASE_GUARD)
    with item.config.stash[database_guard_key].block(UNIT_CONNECTION_MESSAGE, report=report):
        return (yield)


# -- fixtures ----------------------------------------------------------------


@pytest.fixture(scope="session")
def database_guard(pytestconfig: pytest.Config) -> DatabaseGuard:
    """The run's guard; ``with database_guard.block(message):`` forbids connections."""
    return pytestconfig.stash[database_guard_key]
