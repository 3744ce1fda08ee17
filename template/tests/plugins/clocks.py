"""What a test is charged: its time, less the time the machine kept it waiting for a CPU.

Wall-clock time grows with the machine's load: on a busy CI runner a test that
computes for 2 ms can take 300 ms to finish, because other processes hold the
CPU. Linux records that waiting per thread, as the run delay in
``/proc/<pid>/task/<tid>/schedstat``; subtracting it over the same span from
the wall-clock time leaves what the test computed or waited for itself (a
sleep, a socket, a lock, a helper thread), whatever the load.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass

SCHEDSTAT = "/proc/self/task/{}/schedstat"


@dataclass(frozen=True)
class Clocks:
    """One reading of the clocks, in seconds.

    ``queued`` maps each thread of this process (the test's, and helpers it may
    wait on, such as aiosqlite's) to the time it has spent ready to run but
    waiting for a CPU: Linux's run delay. None where the system does not say.
    """

    wall: float
    cpu: float
    queued: dict[int, float] | None

    # A wait for the CPU between two reads of one reading would be charged if
    # it fell inside the measured span, so it is always made to fall outside:
    # run delays first at the start, last at the end. thread_time(), not
    # schedstat's own CPU figure, which lags by up to a scheduler tick.
    @classmethod
    def start(cls, delays: RunDelays) -> Clocks:
        queued = delays.read()
        return cls(time.perf_counter(), time.thread_time(), queued)

    @classmethod
    def stop(cls, delays: RunDelays) -> Clocks:
        wall, cpu = time.perf_counter(), time.thread_time()
        return cls(wall, cpu, delays.read())


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
    """Seconds of wall, CPU (the test's thread) and CPU-queue time between readings."""

    wall: float = 0.0
    cpu: float = 0.0
    queued: float = 0.0
    queue_known: bool = True

    def add(self, start: Clocks, end: Clocks, sign: float = 1.0) -> None:
        self.wall += sign * (end.wall - start.wall)
        self.cpu += sign * (end.cpu - start.cpu)
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
        )

    @property
    def charged(self) -> float:
        """Wall time less time queued for a CPU, never less than the CPU time used."""
        if not self.queue_known:
            return self.wall
        return max(self.cpu, self.wall - self.queued)
