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
from collections.abc import Mapping
from dataclasses import dataclass, field

SCHEDSTAT = "/proc/self/task/{}/schedstat"
OLDEST_GENERATION = 2


@dataclass(frozen=True)
class Clocks:
    """One reading of the clocks, in seconds.

    ``queued`` maps each thread of this process (the test's, and helpers it may
    wait on, such as aiosqlite's) to the time it has spent ready to run but
    waiting for a CPU: Linux's run delay. None where the system does not say.
    ``collected`` maps threads to the CPU time they spent in full garbage
    collections; ``thread`` is the one whose ``cpu`` was read.
    """

    wall: float
    cpu: float
    queued: dict[int, float] | None
    collected: Mapping[int, float] = field(default_factory=dict)
    thread: int = 0

    # A wait for the CPU between two reads of one reading would be charged if
    # it fell inside the measured span, so it is always made to fall outside:
    # run delays first at the start, last at the end. thread_time(), not
    # schedstat's own CPU figure, which lags by up to a scheduler tick.
    # Collections likewise: read first at the start, last at the end.
    @classmethod
    def start(cls, delays: RunDelays, collections: Collections | None = None) -> Clocks:
        queued = delays.read()
        collected = collections.read() if collections is not None else {}
        wall, cpu = time.perf_counter(), time.thread_time()
        return cls(wall, cpu, queued, collected, threading.get_native_id())

    @classmethod
    def stop(cls, delays: RunDelays, collections: Collections | None = None) -> Clocks:
        wall, cpu = time.perf_counter(), time.thread_time()
        collected = collections.read() if collections is not None else {}
        return cls(wall, cpu, delays.read(), collected, threading.get_native_id())


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
    """Reads each live thread's run delay (Linux), through files kept open between reads."""

    def __init__(self) -> None:
        self.files: dict[int, int] = {}
        self.available = True

    def read(self) -> dict[int, float] | None:
        """Seconds each thread has waited for a CPU; None where /proc does not say."""
        if not self.available:
            return None
        live = {t.native_id for t in threading.enumerate() if t.native_id is not None}
        for tid in set(self.files) - live:
            os.close(self.files.pop(tid))
        delays = {}
        for tid in live:
            delay = self._read_one(tid)
            if delay is not None:
                delays[tid] = delay
        self.available = threading.get_native_id() in delays
        return delays if self.available else None

    def close(self) -> None:
        for descriptor in self.files.values():
            os.close(descriptor)
        self.files.clear()

    def _read_one(self, tid: int) -> float | None:
        for _ in range(2):  # a cached file of a thread whose id was reused fails once
            try:
                if tid not in self.files:
                    self.files[tid] = os.open(SCHEDSTAT.format(tid), os.O_RDONLY)
                return int(os.pread(self.files[tid], 128, 0).split()[1]) / 1e9
            except (OSError, ValueError, IndexError):
                if tid in self.files:
                    os.close(self.files.pop(tid))
        return None


@dataclass
class Usage:
    """Seconds of wall, CPU (the test's thread), CPU-queue and full-collection time.

    ``cpu`` already leaves out the full collections run on the test's thread;
    ``collected`` is those of every thread, to take out of the wall time.
    """

    wall: float = 0.0
    cpu: float = 0.0
    queued: float = 0.0
    queue_known: bool = True
    collected: float = 0.0

    def add(self, start: Clocks, end: Clocks, sign: float = 1.0) -> None:
        collected = {
            thread: spent - start.collected.get(thread, 0.0)
            for thread, spent in end.collected.items()
        }
        self.wall += sign * (end.wall - start.wall)
        self.cpu += sign * (end.cpu - start.cpu - collected.get(start.thread, 0.0))
        self.collected += sign * sum(collected.values())
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
        )

    @property
    def charged(self) -> float:
        """Wall time less time queued for a CPU and full collections, at least the CPU used."""
        queued = self.queued if self.queue_known else 0.0
        return max(self.cpu, self.wall - queued - self.collected)
