"""Who was running when something could write: the test, a wider fixture, or a test that ended.

The pollution check counts rows after each test, so rows written by a thread
that a finished test left running used to be blamed on whichever test came
next, and rows committed by a module-scoped fixture on its first user. Each
possible write (a pool checkout, a commit, a process or a raw connection) is
noted with its source: the thread a finished test started and left running
names that test ("after it ended"); a fixture wider than a test that is being
set up names that fixture; anything else is the running test's, or, between
tests, happened after the last test ended.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

import pytest

Kind = Literal["test", "late", "between", "fixture"]


@dataclass(frozen=True)
class Source:
    """A write's source: the running ``test``; a thread test ``name`` left (``late``);
    no test, after ``name`` ended (``between``); or a wider ``fixture`` being set up."""

    kind: Kind
    name: str
    location: tuple[str, int | None, str] | None = None


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
                self.origins[thread.ident] = Source("late", item.nodeid, item.location)
        self.last_ended = Source("between", item.nodeid, item.location)
        self.current = None

    def note(self) -> None:
        """Record the source of a possible write happening now, on this thread."""
        if self.muted:
            return
        origin = self.origins.get(threading.get_ident())
        if origin is not None and (self.current is None or origin.name != self.current.nodeid):
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
