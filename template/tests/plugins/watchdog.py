"""A deadline the event loop cannot miss: one thread that acts when it passes.

The hang guard's ``asyncio.timeout`` only fires when the event loop gets to run.
A statement that blocks the loop's thread (SQLite on the fast path) never lets
it; this thread runs the guard's action (interrupting the statement) at the
deadline all the same. One thread serves the whole run: arming it costs a lock,
and wakes the thread only when it would otherwise sleep past the new deadline.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Watchdog:
    """One thread that runs an action at a deadline the event loop may be too blocked to see."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._deadline: float | None = None
        self._action: Callable[[], None] = lambda: None
        self._fired = False
        self._waiting_until: float | None = None  # None: the thread waits for a deadline
        self._thread: threading.Thread | None = None

    def arm(self, seconds: float, action: Callable[[], None]) -> None:
        """Run ``action`` (on the watchdog's thread) ``seconds`` from now, unless disarmed."""
        deadline = time.monotonic() + seconds
        with self._condition:
            self._deadline, self._action, self._fired = deadline, action, False
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="hang-guard", daemon=True)
                self._thread.start()
            elif self._waiting_until is None or deadline < self._waiting_until:
                self._condition.notify()  # otherwise it wakes before the deadline anyway

    def disarm(self) -> bool:
        """Stop watching; whether the action ran."""
        with self._condition:
            self._deadline = None
            fired, self._fired = self._fired, False
            return fired

    def _run(self) -> None:
        with self._condition:
            while True:
                self._waiting_until = self._deadline
                remaining = None if self._deadline is None else self._deadline - time.monotonic()
                if remaining is None or remaining > 0:
                    self._condition.wait(remaining)
                    continue
                self._deadline, self._fired = None, True
                self._action()


watchdog = Watchdog()
"""The process's one watchdog (tests of a process run one at a time)."""
