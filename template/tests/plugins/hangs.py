"""Hang guard: a test that hangs fails with a traceback that points at the stuck await.

pytest-timeout stops any test that runs too long, but when an async test hangs
the main thread sits idle in the event loop, so its traceback shows the loop,
not the await. Async tests therefore also run under ``asyncio.timeout``: when it
expires, the coroutine is cancelled *at* the stuck await and that line appears
in the report. pytest-timeout stays as the backstop for code that blocks the
thread, ``max(5 s, half the timeout)`` later. An explicit
``@pytest.mark.timeout(n)`` wins.

Once the hang guard has failed a test, the backstop is cancelled (through
pytest-timeout's hooks): its alarm would otherwise go off while pytest is still
writing the failure, on a busy machine, and an exception raised inside pytest's
reporting crashes the run (INTERNALERROR). The test's teardown gets a backstop
of its own, stopped before its report is written.

A database statement that never ends may block the thread (SQLite on the fast
path, where pytest-timeout's signal cannot reach its C code) or keep a driver
thread busy after its await is cancelled (aiosqlite). So a watchdog thread
(``Watchdog``) calls the interrupters the database plugins register
(``add_interrupter``) at the deadline, in every phase of a database test (a
fixture's setup and teardown, a synchronous test's call, an async test's call),
and the test fails with the same message, giving the time it really took.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib
import signal
import threading
import time
from collections.abc import Callable, Coroutine, Generator, Iterator, Sequence
from typing import Any

import pytest
import pytest_asyncio

from .baseline import baseline_of
from .fallbacks import turn_off
from .settings import add_setting, guards_enabled, option_group, read_number
from .tiers import TIERS, tier_of

WATCHED_TIERS = ("integration", "e2e")
"""The tiers that run database statements: the watchdog times each of their phases."""
BACKSTOP_MIN_SECONDS = 5.0
BACKSTOP_SHARE = 0.5
BACKSTOP = "the backstop of a hung test's teardown (pytest-timeout)"
SETTINGS_FIELDS = ("timeout", "method", "func_only", "disable_debugger_detection")
"""pytest-timeout's ``Settings``, as its ``pytest_timeout_set_timer`` hook takes them."""
HANG_MESSAGE = (
    "Hang guard: this {tier} test was still waiting after {seconds:g} s "
    "(pyramid_{tier}_timeout) and was stopped {elapsed:.1f} s after it started. The "
    "traceback above shows the await (or the database statement, interrupted) that never "
    "finished. Common cause: awaiting something that is never set, a "
    "relationship loaded lazily (load it with selectinload()), or a query that never "
    "ends. See docs/testing.md#a-test-hangs"
)

AsyncTest = Callable[..., Coroutine[Any, Any, object]]
HANG_GUARD = "hang"
"""The name baseline entries use for this guard."""

hung_key = pytest.StashKey[float]()
"""Set on a test the hang guard has failed: the backstop its teardown gets, in seconds."""
excused_timeout_key = pytest.StashKey[float]()
"""Set on a baselined test: the timeout it would have had."""
interrupters_key = pytest.StashKey[list[Callable[[], None]]]()
"""What stops running database statements at a deadline (``add_interrupter``)."""
deadline_key = pytest.StashKey[float]()
"""Set on a database test whose phases the watchdog times: its tier's timeout, in seconds."""
guarded_call_key = pytest.StashKey[bool]()
"""Set on an async test whose call ``with_hang_guard`` times (other phases: ``watched_phase``)."""


def backstop_settings(config: pytest.Config, seconds: float) -> object | None:
    """pytest-timeout's own ``Settings`` for a backstop of ``seconds``.

    None, and one line at the end of the run (``fallbacks``), if a release of
    pytest-timeout no longer has them as this module knows them: the teardown
    then runs without a backstop, the test still fails with its hang.
    """
    try:
        settings = importlib.import_module("pytest_timeout").Settings
        fields = tuple(settings._fields)
    except (ImportError, AttributeError) as error:
        turn_off(config, BACKSTOP, f"pytest_timeout.Settings is gone ({error})")
        return None
    if fields != SETTINGS_FIELDS:
        turn_off(config, BACKSTOP, f"pytest_timeout.Settings has fields {fields}")
        return None
    method = "signal" if hasattr(signal, "SIGALRM") else "thread"
    backstop: object = settings(seconds, method, False, False)
    return backstop


def backstop_margin(seconds: float) -> float:
    """How long after the hang guard pytest-timeout steps in: room to spare under load."""
    return max(BACKSTOP_MIN_SECONDS, seconds * BACKSTOP_SHARE)


def with_hang_guard(
    test: AsyncTest,
    seconds: float,
    tier: str,
    on_hang: Callable[[], None],
    interrupters: Sequence[Callable[[], None]],
) -> AsyncTest:
    """Wrap an async test so that a hang fails with ``HANG_MESSAGE``, after ``on_hang()``.

    Once ``interrupters`` (a list that fills when a database is first used) has
    any, the watchdog calls them at the deadline, and again once the hang is seen.
    """
    interrupt = functools.partial(_interrupt, interrupters)

    @functools.wraps(test)
    async def guarded(*args: Any, **kwargs: Any) -> object:
        started = time.monotonic()
        deadline = asyncio.timeout(seconds)
        watched = bool(interrupters)
        if watched:
            watchdog.arm(seconds, interrupt)
        try:
            async with deadline:
                return await test(*args, **kwargs)
        except Exception as error:
            interrupted = watched and watchdog.disarm()
            timed_out = isinstance(error, TimeoutError) and deadline.expired()
            if not (timed_out or interrupted):
                raise  # the test's own error (or its own TimeoutError), not a hang
            interrupt()  # what still runs on a driver's thread would hold the teardown
            on_hang()
            elapsed = time.monotonic() - started
            pytest.fail(HANG_MESSAGE.format(tier=tier, seconds=seconds, elapsed=elapsed))
        finally:
            if watched:
                watchdog.disarm()

    return guarded


def add_interrupter(config: pytest.Config, interrupt: Callable[[], None]) -> None:
    """Have the hang guard call ``interrupt`` (thread-safe) when a test passes its deadline."""
    interrupters = config.stash.setdefault(interrupters_key, [])
    if interrupt not in interrupters:
        interrupters.append(interrupt)


# -- hooks -------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    option_group(parser)
    for tier in TIERS:
        add_setting(parser, f"pyramid_{tier}_timeout")


@pytest.hookimpl(trylast=True)  # after tiers.py has assigned the tiers
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not guards_enabled(config):
        return
    timeouts = {
        tier: read_number(config, f"pyramid_{tier}_timeout", unit="seconds") for tier in TIERS
    }
    baseline = baseline_of(config)
    interrupters = config.stash.setdefault(interrupters_key, [])  # filled on first use
    for item in items:
        tier = tier_of(item)
        if tier is None or item.get_closest_marker("timeout"):
            continue
        if baseline.excuses(item, HANG_GUARD):  # runs untimed, as before adoption
            item.stash[excused_timeout_key] = timeouts[tier]
            continue
        margin = backstop_margin(timeouts[tier])
        item.add_marker(pytest.mark.timeout(timeouts[tier] + margin))
        if tier in WATCHED_TIERS:
            item.stash[deadline_key] = timeouts[tier]
        # Only tests on pytest-asyncio's loop: an anyio test may run on trio.
        if isinstance(item, pytest.Function) and pytest_asyncio.is_async_test(item):
            on_hang = functools.partial(_cancel_backstop, item, margin)
            item.obj = with_hang_guard(item.obj, timeouts[tier], tier, on_hang, interrupters)
            item.stash[guarded_call_key] = True


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, object, object]:
    with watched_phase(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    if item.stash.get(guarded_call_key, False):
        return (yield)  # with_hang_guard times it, and says where it awaited
    with watched_phase(item):
        return (yield)


def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> None:
    """A baselined test that ran past its tier's timeout is reported, not failed."""
    timeout = item.stash.get(excused_timeout_key, None)
    if timeout is not None and call.when == "call" and call.duration > timeout:
        message = HANG_MESSAGE.format(tier=tier_of(item), seconds=timeout, elapsed=call.duration)
        baseline_of(item.config).report(item, HANG_GUARD, message)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, object, object]:
    """After a hang, a backstop for the teardown alone: none is left while reports are written."""
    margin = item.stash.get(hung_key, None)
    backstop = None
    if margin is not None and _has_timeout_plugin(item):
        backstop = backstop_settings(item.config, margin)
    if backstop is not None:
        item.ihook.pytest_timeout_set_timer(item=item, settings=backstop)
    try:
        with watched_phase(item):
            return (yield)
    finally:
        if backstop is not None:
            item.ihook.pytest_timeout_cancel_timer(item=item)


# -- helpers -----------------------------------------------------------------


@contextlib.contextmanager
def watched_phase(item: pytest.Item) -> Iterator[None]:
    """At the tier's deadline, stop the phase's database statements; then fail with the message.

    A phase that raised after the watchdog acted (the interrupted statement's
    error, or whatever it caused) fails with ``HANG_MESSAGE`` instead; one that
    ended on its own is left as it was.
    """
    seconds = item.stash.get(deadline_key, None)
    if seconds is None:
        yield
        return
    interrupters = item.config.stash.setdefault(interrupters_key, [])  # filled on first use
    started = time.monotonic()
    watchdog.arm(seconds, functools.partial(_interrupt, interrupters))
    try:
        yield
    except Exception as error:
        if not watchdog.disarm():
            raise
        _cancel_backstop(item, backstop_margin(seconds))
        elapsed = time.monotonic() - started
        message = HANG_MESSAGE.format(tier=tier_of(item), seconds=seconds, elapsed=elapsed)
        raise pytest.fail.Exception(message, pytrace=True) from error
    finally:
        watchdog.disarm()


def _interrupt(interrupters: Sequence[Callable[[], None]]) -> None:
    for stop in list(interrupters):  # a copy: another thread may add to it
        stop()


def _cancel_backstop(item: pytest.Item, margin: float) -> None:
    item.stash[hung_key] = margin
    if _has_timeout_plugin(item):
        item.ihook.pytest_timeout_cancel_timer(item=item)


def _has_timeout_plugin(item: pytest.Item) -> bool:
    return item.config.pluginmanager.has_plugin("timeout")  # absent with -p no:timeout


# -- the watchdog ------------------------------------------------------------


class Watchdog:
    """One thread that runs an action at a deadline the event loop may be too blocked to see.

    ``asyncio.timeout`` only fires when the event loop gets to run, which a
    statement blocking the loop's thread (SQLite on the fast path) never lets
    it. One thread serves the whole run: arming it costs a lock, and wakes the
    thread only when it would otherwise sleep past the new deadline.
    """

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
