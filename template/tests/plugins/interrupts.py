"""Ctrl-C ends the run with pytest's short report, even when the signal comes twice.

``uv run`` passes the terminal's SIGINT on to pytest about 200 ms after the
terminal itself delivered it to the whole process group, so one Ctrl-C arrives
twice. The second copy used to land in pytest's own reporting or in the
teardown that closes the test database: a long traceback instead of the short
report, and connections left open. After the first interrupt, a repeat within
``REPEAT_WINDOW_S`` is taken for the same keypress and ignored; a later one
interrupts the teardown as usual.
"""

from __future__ import annotations

import signal
import threading
import time
from types import FrameType

import pytest

REPEAT_WINDOW_S = 1.0


class RepeatedInterruptFilter:
    """The SIGINT handler while an interrupted run reports and tears down."""

    def __init__(self, window_s: float) -> None:
        self.deadline = time.monotonic() + window_s

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if time.monotonic() < self.deadline:
            return  # the same Ctrl-C, delivered again by `uv run`
        signal.signal(signal.SIGINT, signal.default_int_handler)
        raise KeyboardInterrupt


# -- hooks -------------------------------------------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_keyboard_interrupt() -> None:
    # Left in place after the run: the repeat may come while Python shuts down,
    # and past its window the filter acts as the default handler and restores it.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, RepeatedInterruptFilter(REPEAT_WINDOW_S))
