"""The event loop the session's async fixtures and tests share (pytest-asyncio's).

Checks that run between tests (leftover tasks, leftover rows) read it from
synchronous fixtures: listing its tasks costs nothing, and they run the loop
themselves only when there is something to do, so a clean test pays no
extra trip through the loop.
"""

from __future__ import annotations

import asyncio

import pytest_asyncio


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def session_loop() -> asyncio.AbstractEventLoop:
    """The loop of ``loop_scope="session"`` fixtures and tests."""
    return asyncio.get_running_loop()
