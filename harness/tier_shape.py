"""The template suite's own pyramid: how many tests run in-process, how many start projects.

A pytest plugin (registered by ``tests/conftest.py``). Each test is put in one tier:

- ``field``: marked ``field`` (whole adoptions, updates from real releases, load);
- ``project``: it starts a process (a render's ``uv sync``, a generated suite, ``git``
  under Copier), uses one of the shared renders, or is marked ``render`` (whose
  renders a module-scoped fixture may have made before the test started);
- ``in-process``: everything else: pure functions and ``pytester`` runs.

A process is noticed by the interpreter's ``subprocess.Popen`` audit event, so a test
cannot be counted in-process by forgetting to say what it does. The shares are printed
at the end of the run as one section, as the generated suite prints its own.

The default run (``uv run pytest``) deselects the markers ``field`` and ``render``
(project tests beyond the few whole-project checks it keeps); ``-m ""`` runs every
test. The section says how many tests each marker left out, so a reader of a default
run knows what it did not check.
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any

import pytest

SHARED_RENDERS = frozenset(
    {"default_project", "default_run", "scratch_project", "postgresql_project"}
)
"""Fixtures that stand for a whole rendered, installed project."""
TIER_PROPERTY = "template_tier"
TIERS = ("in-process", "project", "field")
DESELECTING_MARKERS = ("render", "field")
"""The markers the default ``addopts`` deselects, in the order the summary names them."""
WORKER_OUTPUT_KEY = "template_deselected"
deselected_key = pytest.StashKey[Counter[str]]()
"""How many tests each deselecting marker left out of this run."""

_processes_started = 0


def _count_processes(event: str, _args: tuple[Any, ...]) -> None:
    global _processes_started
    if event == "subprocess.Popen":
        _processes_started += 1


def pytest_configure(config: pytest.Config) -> None:
    sys.addaudithook(_count_processes)
    config.stash[deselected_key] = Counter()


def pytest_deselected(items: list[pytest.Item]) -> None:
    for item in items:
        item.config.stash[deselected_key][deselected_as(item)] += 1


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On an xdist worker, hand the deselected counts to the controller, which prints."""
    worker_output = getattr(session.config, "workeroutput", None)
    if worker_output is not None:
        worker_output[WORKER_OUTPUT_KEY] = dict(session.config.stash[deselected_key])


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """Every worker collects (and deselects) the same tests: keep one worker's counts."""
    counts = getattr(node, "workeroutput", {}).get(WORKER_OUTPUT_KEY)
    if counts is not None:
        node.config.stash[deselected_key] = Counter(counts)


def pytest_runtest_setup(item: pytest.Item) -> None:
    global _processes_started
    _processes_started = 0


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        report.user_properties.append((TIER_PROPERTY, tier_of(item)))
    return report


def tier_of(item: pytest.Item) -> str:
    """The tier a finished test belongs to (see the module docstring)."""
    if item.get_closest_marker("field") is not None:
        return "field"
    if item.get_closest_marker("render") is not None:
        return "project"
    uses_a_render = not SHARED_RENDERS.isdisjoint(getattr(item, "fixturenames", ()))
    return "project" if uses_a_render or _processes_started else "in-process"


def deselected_as(item: pytest.Item) -> str:
    """The deselecting marker a test carries (``field`` wins), or ``other`` (``-k``, ``-m``)."""
    for marker in reversed(DESELECTING_MARKERS):
        if item.get_closest_marker(marker) is not None:
            return marker
    return "other"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    counts = Counter(
        value
        for reports in terminalreporter.stats.values()
        for report in reports
        if getattr(report, "when", None) == "call"
        for name, value in getattr(report, "user_properties", ())
        if name == TIER_PROPERTY
    )
    total = sum(counts.values())
    if not total:
        return
    shares = ", ".join(f"{tier} {counts[tier]} ({counts[tier] / total:.0%})" for tier in TIERS)
    terminalreporter.write_sep("=", f"template suite shape: {shares}")
    deselected = terminalreporter.config.stash.get(deselected_key, Counter())
    if any(deselected[marker] for marker in DESELECTING_MARKERS):
        left_out = [f"{marker} {deselected[marker]}" for marker in DESELECTING_MARKERS]
        terminalreporter.write_line(
            f'deselected: {", ".join(left_out)} (uv run pytest -m "" runs every test)'
        )
