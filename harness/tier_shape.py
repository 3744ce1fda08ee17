"""The template suite's own pyramid: how many tests run in-process, how many start projects.

A pytest plugin (registered by ``tests/conftest.py``). Each test is put in one tier:

- ``field``: marked ``field`` (whole adoptions, updates from real releases, load),
  deselected by default;
- ``project``: it starts a process (a render's ``uv sync``, a generated suite, ``git``
  under Copier) or uses one of the shared renders;
- ``in-process``: everything else: pure functions and ``pytester`` runs.

A process is noticed by the interpreter's ``subprocess.Popen`` audit event, so a test
cannot be counted in-process by forgetting to say what it does. The shares are printed
at the end of the run as one section, as the generated suite prints its own.
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

_processes_started = 0


def _count_processes(event: str, _args: tuple[Any, ...]) -> None:
    global _processes_started
    if event == "subprocess.Popen":
        _processes_started += 1


def pytest_configure(config: pytest.Config) -> None:
    sys.addaudithook(_count_processes)


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
    uses_a_render = not SHARED_RENDERS.isdisjoint(getattr(item, "fixturenames", ()))
    return "project" if uses_a_render or _processes_started else "in-process"


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
