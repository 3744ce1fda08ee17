"""Guards that turn the testing guide's database rules into failures that say the fix.

One ``DatabaseGuard`` watches the two places every SQLAlchemy engine passes
through, whatever the URL and however ``get_session`` was imported:

- a pool checkout (any engine handing out a connection): refused while a test
  holds ``db_session`` (lock prevention) and during unit tests (unit purity);
- a new DBAPI connection: refused in those same cases, and when it targets the
  application's database (``DATABASE_URL`` before the run, the default
  database; production guard).

The guard is made when a test may first connect (``guard_of``), so a run of
unit tests that never import SQLAlchemy does not load it.

In an adopted project the production guard watches the suite's tests only
(those using its database fixtures): your own tests reach what they reached
before. While one of the suite's tests runs, connections of the engine behind
``session_import`` are sent to the test database (``binding``); any other
connection to your application's database is refused, naming that seam.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from .baseline import baseline_of, fail_unless_baselined
from .database import test_database_key
from .environment import protected_database_urls
from .settings import guards_enabled
from .targets import Target, same_database
from .tiers import tier_of

if TYPE_CHECKING:
    from sqlalchemy.engine import URL, Dialect

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
    "{session_hand_over}. See docs/testing.md#database-is-locked"
)
UNIT_CONNECTION_MESSAGE = (
    "Unit tests are isolated from the database, but this test opened a connection. "
    "Fix: {unit_test_fix}, or move the test to tests/integration/. "
    "See docs/testing.md#unit-tests-stay-pure"
)
UNIT_FIXTURE_MESSAGE = (
    "{nodeid} requests {fixtures}, but unit tests are isolated from the database. "
    "Fix: {unit_test_fix}, or move the test to tests/integration/ (repositories/ or "
    "use_cases/). See docs/testing.md#unit-tests-stay-pure"
)
PRODUCTION_MESSAGE = (
    "A test tried to connect to {target}, the database of your environment ({url_source}). "
    "Tests only use their own database, {test_target}. Fix: {url_fix}. "
    "See docs/testing.md#production-database-guard"
)


def worded(message: str, **fields: str) -> str:
    """``message`` in this backend's words, from ``seams``.

    ``seams`` is imported here, when a message is due, not with this module:
    it imports the application, and with it SQLAlchemy, which a run of unit
    tests that never touch a database should not pay for.
    """
    from . import seams

    return message.format(
        session_hand_over=seams.SESSION_HAND_OVER,
        unit_test_fix=seams.UNIT_TEST_FIX,
        url_source=seams.URL_SOURCE,
        url_fix=seams.URL_FIX,
        **fields,
    )


class DatabaseAccessError(RuntimeError):
    """A test reached a database where the testing rules forbid it."""


@dataclass
class Binding:
    """The application's engines (by dialect) sent to the test database during one test."""

    dialects: list[Dialect]
    test_url: URL
    redirected: bool = False

    def takes(self, dialect: Dialect) -> bool:
        if any(dialect is known for known in self.dialects):
            self.redirected = True
            return True
        return False


class DatabaseGuard:
    """Refuses connections while blocked, and connections to protected databases."""

    def __init__(
        self, protected_targets: list[Target], test_target: Target, *, every_test: bool = True
    ) -> None:
        self._protected_targets = protected_targets
        self._test_target = test_target
        self._every_test = every_test
        self._blocks: list[tuple[str, Callable[[str], None] | None]] = []
        self._bindings: list[Binding] = []

    @contextlib.contextmanager
    def binding(self, dialects: list[Dialect], test_url: URL) -> Iterator[Binding]:
        """While it lasts: arm the production guard, and send ``dialects``' engines to ``test_url``.

        ``dialects`` are those of the application's engines (each engine has
        its own dialect object); what they connected is in ``Binding.redirected``.
        """
        binding = Binding(dialects, test_url)
        self._bindings.append(binding)
        try:
            yield binding
        finally:
            self._bindings.remove(binding)

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
        return self.block(worded(LOCK_MESSAGE))

    def install(self) -> None:
        from sqlalchemy import Engine, event
        from sqlalchemy.pool import Pool

        event.listen(Pool, "checkout", self._on_checkout)
        event.listen(Engine, "do_connect", self._on_do_connect)

    def uninstall(self) -> None:
        from sqlalchemy import Engine, event
        from sqlalchemy.pool import Pool

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
        from .connections import connect_targets, redirect

        # Refused before it connects: the test database may not exist yet (made on first use).
        self._on_checkout()
        if not (self._every_test or self._bindings):
            return  # an adopted project's own test, outside the suite's: as before
        for target in connect_targets(dialect, cargs, cparams):
            if any(same_database(target, protected) for protected in self._protected_targets):
                if self._bindings and self._bindings[-1].takes(dialect):
                    redirect(dialect, cargs, cparams, self._bindings[-1].test_url)
                    return
                raise DatabaseAccessError(
                    worded(
                        PRODUCTION_MESSAGE, target=target.label, test_target=self._test_target.label
                    )
                )


def protected_targets(urls: list[str]) -> list[Target]:
    """The application's database, however it is known, and its default database."""
    from .connections import targets_of
    from .seams import DEFAULT_DATABASE_URL

    return targets_of([url for url in (DEFAULT_DATABASE_URL, *urls) if url])


database_guard_key = pytest.StashKey[DatabaseGuard]()


# -- hooks -------------------------------------------------------------------


def guard_of(config: pytest.Config) -> DatabaseGuard:
    """The run's guard, made (and installed) the first time a test may connect.

    Not in ``pytest_configure``: making it imports SQLAlchemy and the application,
    and no engine can connect before SQLAlchemy is imported. It is made before the
    first test that is not a unit test, or that runs once SQLAlchemy is imported
    (``pytest_runtest_setup``), and by the ``database_guard`` fixture. A unit test
    that imports SQLAlchemy only in its own body is watched from the next test on.
    """
    guard = config.stash.get(database_guard_key, None)
    if guard is not None:
        return guard
    from .connections import url_targets
    from .seams import GUARD_EVERY_TEST

    test_targets = url_targets(config.stash[test_database_key].url)
    protected = protected_targets(protected_database_urls())
    guard = DatabaseGuard(
        [
            target
            for target in protected
            if not any(same_database(target, test_target) for test_target in test_targets)
        ],
        test_target=test_targets[0],
        every_test=GUARD_EVERY_TEST,
    )
    if guards_enabled(config):
        guard.install()
    config.stash[database_guard_key] = guard
    return guard


def pytest_unconfigure(config: pytest.Config) -> None:
    guard = config.stash.get(database_guard_key, None)
    if guard is not None and guards_enabled(config):
        guard.uninstall()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    unit = tier_of(item) == "unit"
    if not unit or "sqlalchemy" in sys.modules:
        guard_of(item.config)
    if not unit or not guards_enabled(item.config):
        return
    used = [name for name in DATABASE_FIXTURES if name in getattr(item, "fixturenames", ())]
    if not used:
        return
    # DATABASE_FIXTURES lists the fixture a test asks for before those it implies.
    message = worded(UNIT_FIXTURE_MESSAGE, nodeid=item.nodeid, fixtures=used[0])
    fail_unless_baselined(item, UNIT_DATABASE_GUARD, message)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    guard = item.config.stash.get(database_guard_key, None)
    if guard is None or tier_of(item) != "unit" or not guards_enabled(item.config):
        return (yield)  # no guard yet: SQLAlchemy is not imported, nothing can connect
    baseline = baseline_of(item.config)
    report = None
    if baseline.excuses(item, UNIT_DATABASE_GUARD):
        report = functools.partial(baseline.report, item, UNIT_DATABASE_GUARD)
    with guard.block(worded(UNIT_CONNECTION_MESSAGE), report=report):
        return (yield)


# -- fixtures ----------------------------------------------------------------


@pytest.fixture(scope="session")
def database_guard(pytestconfig: pytest.Config) -> DatabaseGuard:
    """The run's guard; ``with database_guard.block(message):`` forbids connections."""
    return guard_of(pytestconfig)
