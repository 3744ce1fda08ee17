"""What a test is charged: its time, less the time the machine kept it waiting for a CPU.

Wall-clock time grows with the machine's load: on a busy CI runner a test that
computes for 2 ms can take 300 ms to finish, because other processes hold the
CPU. Linux records that waiting per thread, as the run delay in
``/proc/<pid>/task/<tid>/schedstat``; subtracting it over the same span from
the wall-clock time leaves what the test computed or waited for itself (a
sleep, a socket, a lock, a helper thread), whatever the load.

A full garbage collection is left out too: it walks every object the process
holds (imported modules, the ORM's registries, earlier tests' leftovers), so
its cost, about 80 ms in a generated project, belongs to the heap, not to the
test whose allocation happened to trip it. Younger generations, which hold the
test's own new objects, stay charged.
"""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

SCHEDSTAT = "/proc/self/task/{}/schedstat"
OLDEST_GENERATION = 2
IDLE_THREADS = frozenset({"exit-when-orphaned"})
"""Threads of the suite that never work for a test (reaper.py's watcher): a busy
machine delays their polling, and subtracting that from a test's time would let
a test that sleeps pass."""


@dataclass(frozen=True)
class Clocks:
    """One reading of the clocks, in seconds.

    ``queued`` maps each thread of this process (the test's, and helpers it may
    wait on, such as aiosqlite's) to the time it has spent ready to run but
    waiting for a CPU: Linux's run delay. None where the system does not say.
    ``collected`` maps threads to the CPU time they spent in full garbage
    collections; ``thread`` is the one whose ``cpu`` was read; ``ran`` maps the
    threads to their CPU time as the scheduler counts it (Linux).
    """

    wall: float
    cpu: float
    queued: dict[int, float] | None
    collected: Mapping[int, float] = field(default_factory=dict)
    thread: int = 0
    ran: Mapping[int, float] = field(default_factory=dict)

    # The test thread's run delay is read right around the clocks, until no
    # wait for the CPU fell between (read_between): a wait just outside the
    # wall-clock span but inside the run-delay one would be subtracted without
    # having been counted, up to a whole round of a busy CPU (30 ms with four
    # processes a core). thread_time(), not schedstat's own CPU figure, which
    # lags by up to a scheduler tick. Collections: read first at the start,
    # last at the end.
    @classmethod
    def start(cls, delays: RunDelays, collections: Collections | None = None) -> Clocks:
        queued, ran = delays.read(), dict(delays.ran)
        collected = collections.read() if collections is not None else {}
        wall, cpu, own = read_between(delays.own, _wall_and_cpu)
        return cls(wall, cpu, _with_own(queued, own), collected, threading.get_native_id(), ran)

    @classmethod
    def stop(cls, delays: RunDelays, collections: Collections | None = None) -> Clocks:
        wall, cpu, own = read_between(delays.own, _wall_and_cpu)
        collected = collections.read() if collections is not None else {}
        queued = _with_own(delays.read(), own)
        return cls(wall, cpu, queued, collected, threading.get_native_id(), dict(delays.ran))


def read_between(
    own_delay: Callable[[], float | None], clocks: Callable[[], tuple[float, float]]
) -> tuple[float, float, float | None]:
    """``clocks()`` read between two equal readings of this thread's run delay.

    Equal readings mean no wait for the CPU fell between them, so the clocks
    and the run delay describe the same instant. A few tries at most.
    """
    before = own_delay()
    for _ in range(5):
        wall, cpu = clocks()
        after = own_delay()
        if after == before:
            break
        before = after
    return wall, cpu, after


def _wall_and_cpu() -> tuple[float, float]:
    return time.perf_counter(), time.thread_time()


def _with_own(queued: dict[int, float] | None, own: float | None) -> dict[int, float] | None:
    if queued is None or own is None:
        return queued
    return {**queued, threading.get_native_id(): own}


class Collections:
    """CPU time each thread spent in full garbage collections, counted from ``gc.callbacks``."""

    def __init__(self) -> None:
        self.spent: dict[int, float] = {}
        self.started: dict[int, float] = {}

    def install(self) -> None:
        gc.callbacks.append(self.on_collection)

    def remove(self) -> None:
        if self.on_collection in gc.callbacks:
            gc.callbacks.remove(self.on_collection)

    def on_collection(self, phase: str, info: Mapping[str, int]) -> None:
        if info.get("generation") != OLDEST_GENERATION:
            return
        thread = threading.get_native_id()
        if phase == "start":
            self.started[thread] = time.thread_time()
        elif thread in self.started:
            took = time.thread_time() - self.started.pop(thread)
            self.spent[thread] = self.spent.get(thread, 0.0) + took

    def read(self) -> dict[int, float]:
        return dict(self.spent)


class RunDelays:
    """Reads each live thread's run delay (Linux), through files kept open between reads.

    Each read also leaves the threads' CPU time in ``ran``. Threads in
    ``IDLE_THREADS`` are left out of both.
    """

    def __init__(self) -> None:
        self.files: dict[int, int] = {}
        self.available = True
        self.ran: dict[int, float] = {}

    def read(self) -> dict[int, float] | None:
        """Seconds each thread has waited for a CPU; None where /proc does not say."""
        if not self.available:
            return None
        live = {
            t.native_id
            for t in threading.enumerate()
            if t.native_id is not None and t.name not in IDLE_THREADS
        }
        for tid in set(self.files) - live:
            os.close(self.files.pop(tid))
        delays, self.ran = {}, {}
        for tid in live:
            figures = self._read_one(tid)
            if figures is not None:
                self.ran[tid], delays[tid] = figures
        self.available = threading.get_native_id() in delays
        return delays if self.available else None

    def own(self) -> float | None:
        """This thread's run delay alone (None where /proc does not say)."""
        if not self.available:
            return None
        figures = self._read_one(threading.get_native_id())
        return None if figures is None else figures[1]

    def close(self) -> None:
        for descriptor in self.files.values():
            os.close(descriptor)
        self.files.clear()

    def _read_one(self, tid: int) -> tuple[float, float] | None:
        """CPU time and run delay of one thread."""
        for _ in range(2):  # a cached file of a thread whose id was reused fails once
            try:
                if tid not in self.files:
                    self.files[tid] = os.open(SCHEDSTAT.format(tid), os.O_RDONLY)
                ran, delay = os.pread(self.files[tid], 128, 0).split()[:2]
                return int(ran) / 1e9, int(delay) / 1e9
            except (OSError, ValueError, IndexError):
                if tid in self.files:
                    os.close(self.files.pop(tid))
        return None


@dataclass
class Usage:
    """Seconds of wall, CPU (the test's thread), CPU-queue and full-collection time.

    ``cpu`` already leaves out the full collections run on the test's thread;
    ``collected`` is those of every thread, to take out of the wall time.
    ``helpers_cpu`` is what the other threads computed (a worker thread the
    test handed work to, aiosqlite's), full collections left out.
    """

    wall: float = 0.0
    cpu: float = 0.0
    queued: float = 0.0
    queue_known: bool = True
    collected: float = 0.0
    helpers_cpu: float = 0.0

    def add(self, start: Clocks, end: Clocks, sign: float = 1.0) -> None:
        collected = {
            thread: spent - start.collected.get(thread, 0.0)
            for thread, spent in end.collected.items()
        }
        self.wall += sign * (end.wall - start.wall)
        self.cpu += sign * (end.cpu - start.cpu - collected.get(start.thread, 0.0))
        self.collected += sign * sum(collected.values())
        helpers = [
            max(0.0, ran - start.ran.get(thread, 0.0) - collected.get(thread, 0.0))
            for thread, ran in end.ran.items()
            if thread != start.thread
        ]
        self.helpers_cpu += sign * sum(helpers)
        if start.queued is None or end.queued is None:
            self.queue_known = False
            return
        before = start.queued
        self.queued += sign * sum(delay - before.get(tid, 0.0) for tid, delay in end.queued.items())

    def plus(self, other: Usage) -> Usage:
        return Usage(
            self.wall + other.wall,
            self.cpu + other.cpu,
            self.queued + other.queued,
            self.queue_known and other.queue_known,
            self.collected + other.collected,
            self.helpers_cpu + other.helpers_cpu,
        )

    @property
    def charged(self) -> float:
        """Wall time less time queued for a CPU and full collections, at least the CPU used.

        The CPU used is every thread's: run delays of several threads can
        overlap, so the wall time less their sum may fall below what was computed.
        """
        queued = self.queued if self.queue_known else 0.0
        return max(self.cpu + self.helpers_cpu, self.wall - queued - self.collected)
