"""The suite's database fixtures live on one event loop: a test using them must run on it.

The worker's connection is opened once, on the loop pytest-asyncio keeps for
the whole session. A test on a loop of its own (strict mode's default, or a
project that adopted the suite with function-scoped loops) would await that
connection from another loop: some drivers fail obscurely, some only work by
accident. ``db_session`` and ``test_data_tracker`` call ``require_session_loop``
first, so the test fails at once with the fix instead.
"""

from __future__ import annotations

import pytest
import pytest_asyncio

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
