"""Whether anything may have written since the last count, and who: the running test, a
wider fixture, or a test that ended.

Rows are counted after each test: without this, the rows of a thread that a
finished test left running would be blamed on whichever test ran next, and a
module-scoped fixture's rows on its first user. So ``WriteWatch`` notices each
possible write (a pool checkout, a commit, a process or a raw connection: it
lets ``pollution`` skip counting when there was none), and ``WriteSources``
notes its source (the kinds are listed on ``Source``).

What such a thread did after its test ended is reported against the test that
started it, in one summary section that fails the run, from every xdist worker
(``LateWrites``): rows it wrote (counted after each test, and once more after
the worker's last test) and exceptions it raised (``LateThreadErrors``), which
pytest would otherwise report in whichever test ran then.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import pytest

Kind = Literal["test", "late", "between", "fixture"]
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
IDLE_POLL_SECONDS = 0.05
"""How often the final check looks whether a pool's worker has gone idle."""
WRITER_EVENTS = frozenset(
    {
        "subprocess.Popen",
        "os.system",
        "os.posix_spawn",
        "os.exec",
        "os.fork",
        "sqlite3.connect",
        "socket.connect",
    }
)
"""Audit events of a process, a raw driver connection or a server request: each may write."""
CONNECT_EVENTS = frozenset({"sqlite3.connect", "socket.connect"})

ExceptHook = Callable[[threading.ExceptHookArgs], object]


@dataclass(frozen=True)
class Source:
    """A write's source: the running ``test``; a thread test ``name`` left (``late``);
    no test, after ``name`` ended (``between``); or a wider ``fixture`` being set up."""

    kind: Kind
    name: str


@dataclass
class WriteSources:
    """The sources of the writes since the last count (see the module docstring)."""

    current: pytest.Item | None = None
    last_ended: Source | None = None
    fixtures: list[str] = field(default_factory=list)
    origins: dict[int, Source] = field(default_factory=dict)
    noted: set[Source] = field(default_factory=set)
    muted: bool = False
    _threads_before: set[int] = field(default_factory=set)

    @contextlib.contextmanager
    def mute(self) -> Iterator[None]:
        """The checks' own statements (counting, deleting) are nobody's writes."""
        self.muted = True
        try:
            yield
        finally:
            self.muted = False

    def test_started(self, item: pytest.Item) -> None:
        alive = {thread.ident for thread in threading.enumerate()}
        self.origins = {ident: source for ident, source in self.origins.items() if ident in alive}
        self._threads_before = {ident for ident in alive if ident is not None}
        self.current = item

    def test_ended(self, item: pytest.Item) -> None:
        """Threads the test started and left running write 'after it ended' from now on."""
        for thread in threading.enumerate():
            if thread.ident is not None and thread.ident not in self._threads_before:
                self.origins[thread.ident] = Source("late", item.nodeid)
        self.last_ended = Source("between", item.nodeid)
        self.current = None

    def note(self) -> None:
        """Record the source of a possible write happening now, on this thread."""
        if self.muted:
            return
        if origin := self.late_origin(threading.current_thread()):
            self.noted.add(origin)
        elif self.fixtures:
            self.noted.add(Source("fixture", self.fixtures[-1]))
        elif self.current is None and self.last_ended is not None:
            self.noted.add(self.last_ended)
        else:
            self.noted.add(Source("test", self.current.nodeid if self.current else ""))

    def late_origin(self, thread: threading.Thread | None) -> Source | None:
        """The ended test that left ``thread`` running, if it is such a thread."""
        origin = self.origins.get(thread.ident) if thread and thread.ident is not None else None
        if origin is None or (self.current is not None and origin.name == self.current.nodeid):
            return None
        return origin

    def late_threads(self) -> list[threading.Thread]:
        """The threads that ended tests left running and that still run."""
        return [
            thread
            for thread in threading.enumerate()
            if thread.ident in self.origins and thread is not threading.current_thread()
        ]

    def take(self) -> set[Source]:
        """The sources noted since the last call, forgetting them."""
        taken, self.noted = self.noted, set()
        return taken


class WriteWatch:
    """Whether anything that could write to the test database happened since the last count."""

    def __init__(self) -> None:
        self.dirty = True  # nothing is known before the first count
        self.sources = WriteSources()
        self._engines_watched = False

    def install(self) -> None:
        sys.addaudithook(self._on_audit)  # audit hooks cannot be removed: see _on_audit

    def watch_engines(self) -> None:
        """Every pool checkout and commit counts too, the worker's connection's included.

        Not in ``install``: a run of unit tests that never import SQLAlchemy
        never loads it, and until it is imported no engine can write.
        """
        if self._engines_watched or "sqlalchemy" not in sys.modules:
            return
        from sqlalchemy import event

        self._listeners(event.listen)
        self._engines_watched = True

    def uninstall(self) -> None:
        if self._engines_watched:
            from sqlalchemy import event

            self._listeners(event.remove)
            self._engines_watched = False

    def _listeners(self, apply: Callable[..., None]) -> None:
        """Add (``event.listen``) or remove (``event.remove``) the engines' listeners."""
        from sqlalchemy import Engine
        from sqlalchemy.pool import Pool

        apply(Pool, "checkout", self._on_checkout)
        apply(Engine, "commit", self._on_commit)

    def _on_checkout(self, *_args: Any) -> None:
        self.dirty = True

    def _on_commit(self, *_args: Any) -> None:
        """A commit is a write: note who made it (a checkout may only read)."""
        self.dirty = True
        self.sources.note()

    def _on_audit(self, name: str, _args: tuple[Any, ...]) -> None:
        if name in WRITER_EVENTS:
            self.dirty = True
            if name not in CONNECT_EVENTS:  # new connections read too; and open on other threads
                self.sources.note()


write_watch_key = pytest.StashKey[WriteWatch]()


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
    """Wait (a bounded time) for the threads ended tests (``last`` too) left working.

    Daemon threads (drivers', the watchdog's) may live for the run, and a thread
    pool's worker lives until its pool shuts down: an idle one has no work left,
    so the wait ends when it goes idle (``asyncio.to_thread`` in a test leaves one
    in the event loop's pool, which waited the whole ten seconds before).
    """
    if last is not None:
        sources.test_ended(last)  # its threads write "after it ended" from now on
    deadline = time.monotonic() + LATE_THREAD_WAIT_SECONDS
    for thread in sources.late_threads():
        while not thread.daemon and thread.is_alive() and not is_idle_pool_worker(thread):
            left = deadline - time.monotonic()
            if left <= 0:
                return
            thread.join(timeout=min(left, IDLE_POLL_SECONDS))


def is_idle_pool_worker(thread: threading.Thread) -> bool:
    """A ``concurrent.futures`` pool's worker waiting for work (in its own loop, no deeper)."""
    frame = sys._current_frames().get(thread.ident or 0)
    return (
        frame is not None
        and frame.f_code.co_name == "_worker"
        and frame.f_globals.get("__name__") == "concurrent.futures.thread"
    )


late_thread_errors_key = pytest.StashKey[LateThreadErrors]()
