"""``run_apart`` leaves the thread's current event loop as it was, in-process.

The suite makes databases and builds schemas with short coroutines run from
fixtures; ``asyncio.run`` would unset the loop pytest-asyncio made current
(before 1.2 it then fails the next test: "There is no current event loop").
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Iterator

import pytest

from harness.plugin_modules import load_plugin


async def answer() -> int:
    await asyncio.sleep(0)
    return 42


def current_loop() -> asyncio.AbstractEventLoop | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            return asyncio.get_event_loop_policy().get_event_loop()
        except RuntimeError:
            return None


@pytest.fixture
def session_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """A loop made current, as pytest-asyncio's session loop is."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield loop
    asyncio.set_event_loop(None)
    loop.close()


def test_run_apart_returns_the_result_and_keeps_the_current_loop(
    session_loop: asyncio.AbstractEventLoop,
) -> None:
    run_apart = load_plugin("event_loops").run_apart

    assert run_apart(answer()) == 42
    assert current_loop() is session_loop
    assert not session_loop.is_closed()


def test_asyncio_run_is_what_unsets_it(session_loop: asyncio.AbstractEventLoop) -> None:
    assert asyncio.run(answer()) == 42

    assert current_loop() is not session_loop
