"""Hang guard: a test that hangs fails with a traceback that points at the stuck await.

pytest-timeout stops any test that runs too long, but when an async test hangs
the main thread sits idle in the event loop, so its traceback shows the loop,
not the await. Async tests therefore also run under ``asyncio.timeout``: when it
expires, the coroutine is cancelled *at* the stuck await and that line appears
in the report. pytest-timeout stays as the backstop, a few seconds later, for
code that blocks the thread. An explicit ``@pytest.mark.timeout(n)`` wins.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from .settings import guards_enabled, option_group, read_number
from .tiers import tier_of

TIMEOUT_DEFAULTS_SECONDS = {"unit": "10", "integration": "30", "e2e": "120"}
BACKSTOP_SECONDS = 5
HANG_MESSAGE = (
    "Hang guard: this {tier} test was still waiting after {seconds:g} s "
    "(pyramid_{tier}_timeout). The traceback above shows the await that never "
    "finished. Common cause: awaiting something that is never set or a relationship "
    "loaded lazily; load it with selectinload(). See docs/testing.md#a-test-hangs"
)

AsyncTest = Callable[..., Coroutine[Any, Any, object]]


def with_hang_guard(test: AsyncTest, seconds: float, tier: str) -> AsyncTest:
    """Wrap an async test so that a hang fails with ``HANG_MESSAGE``."""

    @functools.wraps(test)
    async def guarded(*args: Any, **kwargs: Any) -> object:
        deadline = asyncio.timeout(seconds)
        try:
            async with deadline:
                return await test(*args, **kwargs)
        except TimeoutError:
            if not deadline.expired():
                raise  # the test's own TimeoutError, not a hang
            pytest.fail(HANG_MESSAGE.format(tier=tier, seconds=seconds))

    return guarded


# -- hooks -------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    option_group(parser)
    for tier, default in TIMEOUT_DEFAULTS_SECONDS.items():
        parser.addini(
            f"pyramid_{tier}_timeout",
            f"seconds before a hanging {tier} test fails",
            default=default,
        )


@pytest.hookimpl(trylast=True)  # after tiers.py has assigned the tiers
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not guards_enabled(config):
        return
    timeouts = {
        tier: read_number(config, f"pyramid_{tier}_timeout", unit="seconds", example=default)
        for tier, default in TIMEOUT_DEFAULTS_SECONDS.items()
    }
    for item in items:
        tier = tier_of(item)
        if tier is None or item.get_closest_marker("timeout"):
            continue
        item.add_marker(pytest.mark.timeout(timeouts[tier] + BACKSTOP_SECONDS))
        if isinstance(item, pytest.Function) and inspect.iscoroutinefunction(item.obj):
            item.obj = with_hang_guard(item.obj, timeouts[tier], tier)
