"""Run a coroutine to its end on a loop of its own, leaving the thread's current loop alone.

``asyncio.run`` ends by unsetting the thread's current event loop. Called from
a fixture after pytest-asyncio made its session loop the current one (a test
database made when a test first needs it), it leaves the next test with no
current loop: pytest-asyncio before 1.2 then fails it with "There is no
current event loop in thread 'MainThread'". A runner given its own loop
factory never sets or unsets the current loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_apart(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coroutine)``, without touching the current event loop."""
    with asyncio.Runner(loop_factory=asyncio.new_event_loop) as runner:
        return runner.run(coroutine)
