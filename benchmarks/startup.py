"""Start-up of a unit-only run: one unit test file, with the suite and without it.

A run that needs no database should not pay for the suite's database machinery
(SQLAlchemy, the driver, the SQLite fast path are imported when a test first
needs a database). Both ways run the same file in the same project and virtual
environment, round by round in turn, so a change in the machine's load hits
both alike; the target is the ratio of their wall-time medians, never an
assertion in a test. ``python -m benchmarks.startup`` measures it on its own.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.project import GeneratedProject

from .runner import timed_pytest

UNIT_FILE = "tests/unit/domain/test_track.py"
BARE = ("--noconftest", "-c", "/dev/null")
"""The same file, the same installed plugins, no configuration: no suite at all."""
ROUNDS = 15


@dataclass(frozen=True)
class Startup:
    """Wall seconds of each round, with the suite and bare; the ratio of their medians."""

    unit_file: str
    suite_seconds: list[float]
    bare_seconds: list[float]

    @property
    def suite_median(self) -> float:
        return statistics.median(self.suite_seconds)

    @property
    def bare_median(self) -> float:
        return statistics.median(self.bare_seconds)

    @property
    def ratio(self) -> float:
        return self.suite_median / self.bare_median


def measure_startup(project: GeneratedProject, rounds: int) -> Startup:
    """Run the unit file ``rounds`` times each way, alternating (every run must pass)."""
    suite: list[float] = []
    bare: list[float] = []
    for _ in range(rounds):
        suite.append(timed_pytest(project, UNIT_FILE, per_test=False).wall_seconds)
        bare.append(timed_pytest(project, UNIT_FILE, *BARE, per_test=False).wall_seconds)
    return Startup(UNIT_FILE, suite, bare)


def describe(startup: Startup) -> str:
    return (
        f"{startup.ratio:.2f}x ({startup.suite_median:.2f} s ÷ {startup.bare_median:.2f} s, "
        f"medians of {len(startup.suite_seconds)})"
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
