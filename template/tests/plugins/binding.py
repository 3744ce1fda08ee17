"""Your application on the test database, during the suite's tests only.

The suite leaves your environment as it is, so your own tests reach what they
reached before. A test that uses the suite's database fixtures (its closure
holds ``db_engine``: ``db_session``, ``test_data_tracker``,
``assert_max_queries``...) gets, for its duration:

- the engine behind ``session_import`` sent to this process's test database:
  each connection it opens goes there (``guards.Binding``), and its ``url``
  says so, whether your code built it at import time or on first use;
- the production guard armed: any other connection to your application's
  database (an engine of its own, a hard-coded URL) is refused, naming the seam.

Connections the engine pooled before the test (your own tests' ones) are set
aside first, and those it opened on the test database are closed after it, so
neither kind of test ever gets the other's.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import Pool

from .database import WorkerDatabase
from .guards import DatabaseGuard
from .seams import application_engine
from .seams import check as check_seams

SUITE_FIXTURE = "db_engine"
"""Every database fixture of the suite depends on it: a test that has it is the suite's."""
PARKED: list[Pool] = []
"""Pools set aside with the connections your own tests left in them, until the run ends."""


@pytest.hookimpl(tryfirst=True)  # before the database and guard plugins read your URLs
def pytest_configure(config: pytest.Config) -> None:
    """Check the seams and note where your sessions are bound, before the first test."""
    check_seams()


@pytest.fixture(autouse=True)
def _application_on_the_test_database(request: pytest.FixtureRequest) -> Iterator[None]:
    """Bind the application's engine to the test database for one of the suite's tests."""
    if SUITE_FIXTURE not in getattr(request.node, "fixturenames", ()):
        yield
        return
    test_database: WorkerDatabase = request.getfixturevalue("test_database")
    guard: DatabaseGuard = request.getfixturevalue("database_guard")
    loop: asyncio.AbstractEventLoop = request.getfixturevalue("session_loop")
    engine = loop.run_until_complete(application_engine())
    if engine is None:  # sessions bound per table: the guard alone keeps the real database safe
        with guard.binding([], test_database.url):
            yield
        return
    if has_idle_connections(engine):
        set_aside(engine)
    with (
        guard.binding([engine.dialect], test_database.url) as binding,
        reporting(engine, test_database.url),
    ):
        yield
    if binding.redirected:
        loop.run_until_complete(AsyncEngine(engine).dispose())


def set_aside(engine: Engine) -> None:
    """Give the engine a fresh pool, keeping the old one and its connections unclosed.

    Your own tests may have opened them on an event loop that has ended (anyio's,
    a test's own): closed on the suite's loop they fail and leak their sockets,
    which ``filterwarnings = ["error"]`` turns into an error at the end of the run.
    Kept referenced, they close with the process, as they did before the suite.
    """
    PARKED.append(engine.pool)
    engine.dispose(close=False)


def has_idle_connections(engine: Engine) -> bool:
    """Connections pooled by an earlier test (a pool that cannot say may have some)."""
    count = getattr(engine.pool, "checkedin", None)
    return not callable(count) or bool(count())


@contextlib.contextmanager
def reporting(engine: Engine, test_url: URL) -> Iterator[None]:
    """The engine's ``url`` names the test database while it is sent there."""
    original = engine.url
    engine.url = test_url.set(drivername=original.drivername)
    try:
        yield
    finally:
        engine.url = original
