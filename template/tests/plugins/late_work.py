"""Work a test left running that acted after it ended: named against that test, run failed.

A thread a test starts and does not join may write, or fail, while later tests
run, or after the worker's last test was checked. Neither is the fault of the
test running then. What it did is reported against the test that started it,
in one summary section that fails the run (from every xdist worker):

- rows it wrote (counted by ``pollution`` after each test, and once more at the
  end of the worker's run, after waiting for such threads);
- an exception it raised (the lock guard's refusal of a connection while
  another test holds ``db_session``, say), which pytest would otherwise report
  as "Exception in thread ..." in whichever test ran at that moment.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable

import pytest

from .write_sources import WriteSources

LATE_ROWS_MESSAGE = (
    "Test pollution: rows were written after test {culprit} ended{how}:\n{tables}\nThey were "
    "deleted after {seen_in}, which is not blamed. Fix: wait for that work (thread.join(), "
    "await the task) before the test returns. See docs/testing.md#test-pollution"
)
BY_ITS_THREAD = ", by a thread it started and left running"
LATE_ERROR_MESSAGE = (
    "Test pollution: a thread that test {culprit} started and left running ({thread}) failed "
    "after that test ended, while {seen_in} ran, which is not blamed:\n{error}\nFix: wait for "
    "that work (thread.join()) before the test returns. See docs/testing.md#test-pollution"
)
LAST_TEST = "the last test of its worker, {nodeid}"
"""``seen_in`` of what the final check, after the worker's last test, found."""
LATE_PROPERTY = "pyramid_late_pollution"
"""The user property carrying a finding to the run's summary (from xdist workers too)."""
LATE_THREAD_WAIT_SECONDS = 10.0
"""How long the final check waits for threads ended tests left running."""

ExceptHook = Callable[[threading.ExceptHookArgs], object]


class LateWrites:
    """Work that outlived its test: collected from every worker, listed, the run failed."""

    def __init__(self) -> None:
        self.findings: list[str] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "teardown":
            for name, value in report.user_properties:
                if name == LATE_PROPERTY and isinstance(value, str):
                    self.findings.append(value)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.findings and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.findings:
            title = f"{len(self.findings)} test(s) left work that wrote after they ended (failed)"
            terminalreporter.write_sep("=", f"pyramid: {title}")
            for finding in self.findings:
                terminalreporter.write_line(finding)


class LateThreadErrors:
    """Takes exceptions of threads that ended tests left running away from the test running now.

    Installed over pytest's own ``threading.excepthook`` (which reports the
    exception in the current test); other threads' exceptions go on to it.
    """

    def __init__(self, sources: WriteSources) -> None:
        self._sources = sources
        self._previous: ExceptHook | None = None
        self._pending: list[str] = []
        self._lock = threading.Lock()

    def install(self) -> None:
        self._previous = threading.excepthook
        threading.excepthook = self._hook

    def uninstall(self) -> None:
        if self._previous is not None and threading.excepthook == self._hook:
            threading.excepthook = self._previous
        self._previous = None

    def take(self) -> list[str]:
        """The findings since the last call (each goes to the run's summary once)."""
        with self._lock:
            taken, self._pending = self._pending, []
        return taken

    def _hook(self, args: threading.ExceptHookArgs) -> None:
        origin = self._sources.late_origin(args.thread)
        if origin is None:
            if self._previous is not None:
                self._previous(args)
            return
        error = "".join(traceback.format_exception_only(args.exc_type, args.exc_value)).strip()
        current = self._sources.current
        finding = LATE_ERROR_MESSAGE.format(
            culprit=origin.name,
            thread=getattr(args.thread, "name", "a thread"),
            seen_in=current.nodeid if current is not None else "no test",
            error=error,
        )
        with self._lock:
            self._pending.append(finding)


def hand_on(item: pytest.Item, errors: LateThreadErrors | None) -> None:
    """Put the late threads' findings on ``item``'s report, bound for the summary."""
    for finding in errors.take() if errors is not None else ():
        item.user_properties.append((LATE_PROPERTY, finding))


def join_late_threads(sources: WriteSources, last: pytest.Item | None) -> None:
    """Wait (a bounded time) for the threads ended tests (``last`` too) left running."""
    if last is not None:
        sources.test_ended(last)  # its threads write "after it ended" from now on
    deadline = time.monotonic() + LATE_THREAD_WAIT_SECONDS
    for thread in sources.late_threads():
        if not thread.daemon:  # daemon threads (drivers', the watchdog's) may live for the run
            thread.join(timeout=max(0.0, deadline - time.monotonic()))


late_thread_errors_key = pytest.StashKey[LateThreadErrors]()
