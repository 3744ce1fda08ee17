"""Per-test durations, read from pytest's own reports by a tiny plugin.

pytest times each phase (setup, call, teardown) of every test and puts the
result in the report; junitxml rounds it to the millisecond, which is too
coarse for fixture overhead, so the plugin below writes it as JSON instead.
Under xdist only the controller writes (it receives every worker's reports).
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from harness.project import GeneratedProject

PLUGIN_MODULE = "benchmark_durations"

PLUGIN = '''\
"""Written by the template's benchmark: records each test's phase durations as JSON."""

import json
import time

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--benchmark-durations", help="write per-test phase durations here")


def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption("benchmark_durations")
    if path and not hasattr(config, "workerinput"):
        config.pluginmanager.register(Recorder(path), "benchmark-recorder")


class Recorder:
    def __init__(self, path: str) -> None:
        self.path = path
        self.rows: list[dict[str, object]] = []

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> object:
        started = time.process_time()
        yield
        self.rows.append(
            {"test": item.nodeid, "phase": "cpu", "outcome": "passed",
             "seconds": time.process_time() - started}
        )

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.rows.append(
            {"test": report.nodeid, "phase": report.when, "outcome": report.outcome,
             "seconds": report.duration}
        )

    def pytest_sessionfinish(self) -> None:
        with open(self.path, "w") as file:
            json.dump(self.rows, file)
'''


class BenchmarkRunError(RuntimeError):
    """A measured pytest run failed, so its timings mean nothing."""


@dataclass(frozen=True)
class MeasuredTest:
    """One test's setup + call + teardown time, in seconds."""

    node_id: str
    seconds: float
    passed: bool = True
    cpu_seconds: float = 0.0
    """The process's CPU time over the test (its threads included; -n 0 runs only)."""

    @property
    def name(self) -> str:
        return self.node_id.rsplit("::", 1)[-1]


def install_plugin(project: GeneratedProject) -> list[str]:
    """Write the plugin into the project; return the pytest arguments that load it."""
    project.write(f"{PLUGIN_MODULE}.py", PLUGIN)
    return ["-p", PLUGIN_MODULE]


def read_durations(path: Path) -> list[MeasuredTest]:
    """Sum each test's phases; a test failed if any of its phases did."""
    totals: dict[str, float] = defaultdict(float)
    cpu: dict[str, float] = {}
    failed = set()
    for row in json.loads(path.read_text()):
        if row["phase"] == "cpu":
            cpu[row["test"]] = row["seconds"]
            continue
        totals[row["test"]] += row["seconds"]
        if row["outcome"] == "failed":
            failed.add(row["test"])
    return [
        MeasuredTest(node_id, seconds, node_id not in failed, cpu.get(node_id, 0.0))
        for node_id, seconds in totals.items()
    ]


def median_ms(durations: Iterable[MeasuredTest], *, cpu: bool = False) -> float:
    """Median wall time of the tests in milliseconds (``cpu``: their CPU time instead)."""
    values = [(duration.cpu_seconds if cpu else duration.seconds) * 1000 for duration in durations]
    if not values:
        raise BenchmarkRunError("no test durations were recorded")
    return statistics.median(values)


def group_by(
    durations: Iterable[MeasuredTest], key: Callable[[MeasuredTest], str]
) -> dict[str, list[MeasuredTest]]:
    groups: dict[str, list[MeasuredTest]] = defaultdict(list)
    for duration in durations:
        groups[key(duration)].append(duration)
    return dict(groups)
