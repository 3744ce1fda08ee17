"""The event loops the suite's coroutines run on: the session's, and short private ones.

- ``session_loop``: pytest-asyncio's loop for the whole session, where the
  worker's database connection is opened. The checks that run between tests
  (leftover tasks, leftover rows) read it from synchronous fixtures: listing
  its tasks costs nothing, and they run the loop only when there is something
  to do, so a clean test pays no extra trip through it.
- ``require_session_loop``: a test on a loop of its own (strict mode's default,
  or a project that adopted the suite with function-scoped loops) would await
  that connection from another loop, where some drivers fail obscurely and some
  only work by accident. ``db_session`` and ``test_data_tracker`` fail it at
  once with the fix instead.
- ``run_apart``: a short coroutine (building the template database, making a
  PostgreSQL database) runs on a loop of its own. ``asyncio.run`` would end by
  unsetting the thread's current loop, after pytest-asyncio made its session
  loop the current one: pytest-asyncio before 1.2 then fails the next test with
  "There is no current event loop in thread 'MainThread'".

PYTEST_DONT_REWRITE: ``suite`` imports this module before it lists it as a
plugin, which pytest would warn about to rewrite its asserts (it has none).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest
import pytest_asyncio

T = TypeVar("T")
LOOP_SCOPE_MESSAGE = (
    "{nodeid} uses {fixture}, which lives on the event loop the whole run shares, but the "
    "test runs on a loop of its own (loop scope {scope!r}): their awaits would cross loops. "
    'Fix: mark the test @pytest.mark.asyncio(loop_scope="session") (or the module, '
    'pytestmark = pytest.mark.asyncio(loop_scope="session")). '
    "See docs/testing.md#fixtures"
)


def default_test_loop_scope(config: pytest.Config) -> str:
    """``asyncio_default_test_loop_scope``; pytest-asyncio before 0.26 has no such setting."""
    try:
        return str(config.getini("asyncio_default_test_loop_scope") or "function")
    except ValueError:
        return "function"


def require_session_loop(request: pytest.FixtureRequest, fixture: str) -> None:
    """Fail a test that would await the session loop's database from another loop."""
    __tracebackhide__ = True
    if not pytest_asyncio.is_async_test(request.node):
        return
    marker = request.node.get_closest_marker("asyncio")
    scope = marker.kwargs.get("loop_scope") if marker is not None else None
    scope = scope or default_test_loop_scope(request.config)
    if scope != "session":
        message = LOOP_SCOPE_MESSAGE.format(
            nodeid=request.node.nodeid, fixture=fixture, scope=scope
        )
        pytest.fail(message, pytrace=False)


def run_apart(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coroutine)``, without touching the current event loop."""
    with asyncio.Runner(loop_factory=asyncio.new_event_loop) as runner:
        return runner.run(coroutine)


# -- fixtures ----------------------------------------------------------------


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def session_loop() -> asyncio.AbstractEventLoop:
    """The loop of ``loop_scope="session"`` fixtures and tests."""
    return asyncio.get_running_loop()
