"""Start-up of a unit-only run: one unit test file, with the suite and without it.

A run that needs no database should not pay for the suite's database machinery
(SQLAlchemy, the driver, the SQLite fast path are imported when a test first
needs a database). Both ways run the same file in the same project and virtual
environment, round by round in turn, so a change in the machine's load hits
both alike; the target is the ratio of their wall-time medians, never an
assertion in a test. CPU time (user + system) is reported beside it: on a busy
machine it moves far less than the wall clock. Bytecode caches are written and
warmed first, as on a developer's second run (pytest rewrites the asserts of
every plugin module the suite loads, which the first run pays once).
``python -m benchmarks.startup`` measures it on its own.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.project import GeneratedProject

from .durations import BenchmarkRunError

UNIT_FILE = "tests/unit/domain/test_track.py"
BARE = ("--noconftest", "-c", "/dev/null")
"""The same file, the same installed plugins, no configuration: no suite at all."""
ROUNDS = 15
CACHES_ON = {"PYTHONDONTWRITEBYTECODE": ""}
"""Empty: bytecode (and pytest's rewritten asserts) is written whatever the caller set."""


@dataclass(frozen=True)
class Startup:
    """Wall and CPU seconds of each round, with the suite and bare; the ratio of wall medians."""

    unit_file: str
    suite_seconds: list[float]
    bare_seconds: list[float]
    suite_cpu_seconds: list[float]
    bare_cpu_seconds: list[float]

    @property
    def suite_median(self) -> float:
        return statistics.median(self.suite_seconds)

    @property
    def bare_median(self) -> float:
        return statistics.median(self.bare_seconds)

    @property
    def ratio(self) -> float:
        return self.suite_median / self.bare_median

    @property
    def cpu_ratio(self) -> float:
        return statistics.median(self.suite_cpu_seconds) / statistics.median(self.bare_cpu_seconds)


def measure_startup(project: GeneratedProject, rounds: int) -> Startup:
    """Run the unit file ``rounds`` times each way, alternating, after one warm-up run each."""
    runs: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
    for with_suite in (True, False):
        timed_run(project, with_suite=with_suite)
    for _ in range(rounds):
        for with_suite in (True, False):
            runs[with_suite].append(timed_run(project, with_suite=with_suite))
    return Startup(
        UNIT_FILE,
        suite_seconds=[wall for wall, _ in runs[True]],
        bare_seconds=[wall for wall, _ in runs[False]],
        suite_cpu_seconds=[cpu for _, cpu in runs[True]],
        bare_cpu_seconds=[cpu for _, cpu in runs[False]],
    )


def timed_run(project: GeneratedProject, *, with_suite: bool) -> tuple[float, float]:
    """Wall and CPU seconds of one run of the unit file; ``BenchmarkRunError`` unless it passed."""
    arguments = (UNIT_FILE,) if with_suite else (UNIT_FILE, *BARE)
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    run = project.pytest(*arguments, env=CACHES_ON)
    wall = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if run.returncode != 0:
        raise BenchmarkRunError(
            f"pytest {' '.join(arguments)} exited {run.returncode}:\n{run.output}"
        )
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    return wall, cpu


def describe(startup: Startup) -> str:
    return (
        f"{startup.ratio:.2f}x ({startup.suite_median:.2f} s ÷ {startup.bare_median:.2f} s, "
        f"medians of {len(startup.suite_seconds)}; CPU time {startup.cpu_ratio:.2f}x)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.startup",
        description="Render the template and measure a unit-only run's start-up, suite ÷ bare.",
    )
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="runs each way")
    arguments = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="test-pyramid-startup-") as workdir:
        project = GeneratedProject.create(Path(workdir) / "project")
        startup = measure_startup(project, arguments.rounds)
    print(f"unit-file start-up, suite ÷ {' '.join(BARE)}: {describe(startup)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
