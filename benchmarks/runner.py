"""Run a generated project's pytest and time it: wall clock, and per test."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from harness.project import GeneratedProject

from .durations import BenchmarkRunError, MeasuredTest, install_plugin, read_durations

OUTPUT_TAIL = 3000


@dataclass(frozen=True)
class TimedRun:
    """One pytest invocation: its wall time and, if recorded, each test's duration."""

    wall_seconds: float
    output: str
    durations: list[MeasuredTest] = field(default_factory=list)


def timed_pytest(
    project: GeneratedProject, *args: str, per_test: bool = True, allow_failures: bool = False
) -> TimedRun:
    """Run pytest in ``project``; raise ``BenchmarkRunError`` unless every test passed."""
    durations_file = project.root / ".benchmark-durations.json"
    extra = []
    if per_test:
        extra = [*install_plugin(project), f"--benchmark-durations={durations_file}"]
    started = time.perf_counter()
    run = project.pytest(*extra, *args)
    wall_seconds = time.perf_counter() - started
    if run.returncode != 0 and not (allow_failures and run.outcomes.get("failed")):
        raise BenchmarkRunError(
            f"pytest {' '.join(args)} in {project.root} exited {run.returncode}:\n"
            f"{run.output[-OUTPUT_TAIL:]}"
        )
    durations = read_durations(durations_file) if per_test else []
    return TimedRun(wall_seconds, run.output, durations)


def pytest_help(project: GeneratedProject) -> str:
    return project.pytest("--help").output


def clone(project: GeneratedProject, workdir: Path, name: str) -> GeneratedProject:
    """A fresh copy of the project's sources, sharing its virtual environment."""
    return project.clone(workdir / name)
