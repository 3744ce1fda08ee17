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

from tests.project import GeneratedProject

PLUGIN_MODULE = "benchmark_durations"

PLUGIN = '''\
"""Written by the template's benchmark: records each test's phase durations as JSON."""

import json

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
class TestDuration:
    """One test's setup + call + teardown time, in seconds."""

    __test__ = False

    node_id: str
    seconds: float
    passed: bool = True

    @property
    def name(self) -> str:
        return self.node_id.rsplit("::", 1)[-1]


def install_plugin(project: GeneratedProject) -> list[str]:
    """Write the plugin into the project; return the pytest arguments that load it."""
    project.write(f"{PLUGIN_MODULE}.py", PLUGIN)
    return ["-p", PLUGIN_MODULE]


def read_durations(path: Path) -> list[TestDuration]:
    """Sum each test's phases; a test failed if any of its phases did."""
    totals: dict[str, float] = defaultdict(float)
    failed = set()
    for row in json.loads(path.read_text()):
        totals[row["test"]] += row["seconds"]
        if row["outcome"] == "failed":
            failed.add(row["test"])
    return [
        TestDuration(node_id, seconds, node_id not in failed) for node_id, seconds in totals.items()
    ]


def median_ms(durations: Iterable[TestDuration]) -> float:
    values = [duration.seconds * 1000 for duration in durations]
    if not values:
        raise BenchmarkRunError("no test durations were recorded")
    return statistics.median(values)


def group_by(
    durations: Iterable[TestDuration], key: Callable[[TestDuration], str]
) -> dict[str, list[TestDuration]]:
    groups: dict[str, list[TestDuration]] = defaultdict(list)
    for duration in durations:
        groups[key(duration)].append(duration)
    return dict(groups)
