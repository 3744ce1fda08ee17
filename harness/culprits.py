"""Culprits next to innocent tests in a rendered project: run them, and judge who failed.

The isolation scenarios (``tests/test_isolation_*.py``, ``tests/test_connection_*.py``)
all do the same thing: write tests that break a rule next to tests that must
pass whatever ran before them, run them in random orders and on two workers,
then check that only the culprits failed, each with its own message. One run
and one judgement here, so that every scenario reads the summary the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from textwrap import dedent

from .project import GeneratedProject, PytestRun

FOLDER = "tests/integration/repositories"
"""Where the scenarios write their test files (an integration folder of the render)."""
WIDE = {"COLUMNS": "1000"}
"""So that the short summary's ``FAILED/ERROR <test> - <message>`` lines are not cut."""
NEVER_IN_OUTPUT = ("INTERNALERROR", "never retrieved", "PytestUnraisableExceptionWarning")
"""Signs of a fault that escaped every guard, whichever test it ended up in."""


def with_files(project: GeneratedProject, files: Mapping[str, str]) -> GeneratedProject:
    """Write ``files`` (name: indented source) into ``FOLDER`` of ``project``."""
    for name, body in files.items():
        project.write(f"{FOLDER}/{name}", dedent(body))
    return project


def run_culprits(
    project: GeneratedProject,
    order: Iterable[str],
    files: Iterable[str],
    env: Mapping[str, str] | None = None,
) -> PytestRun:
    """Run ``files`` (names in ``FOLDER``) in ``order`` (seed, workers, options), ``-ra``."""
    return project.pytest(
        *order, "-ra", *(f"{FOLDER}/{name}" for name in files), env={**WIDE, **(env or {})}
    )


def findings_by_test(run: PytestRun) -> dict[str, list[str]]:
    """The messages of the short summary's FAILED and ERROR lines, by test (``FOLDER`` dropped)."""
    found: dict[str, list[str]] = {}
    pattern = rf"^(?:FAILED|ERROR) {re.escape(FOLDER)}/(\S+) - (.*)$"
    for test, message in re.findall(pattern, run.output, re.MULTILINE):
        found.setdefault(test, []).append(message)
    return found


def assert_only_culprits_fail(
    run: PytestRun, expected: Mapping[str, str | tuple[str, ...]], *, innocents: int
) -> None:
    """Only the tests in ``expected`` fail or error, each with a message starting as given.

    ``expected`` maps ``file.py::test`` to the start of its message (or a
    tuple of starts, any of which will do); at least ``innocents`` tests pass.
    """
    __tracebackhide__ = True
    found = findings_by_test(run)
    assert sorted(found) == sorted(expected), run.output
    for test, messages in found.items():
        for message in messages:
            assert message.startswith(expected[test]), f"{test}: {message}\n{run.output}"
    assert run.outcomes.get("passed", 0) >= innocents, run.output
    for sign in NEVER_IN_OUTPUT:
        assert sign not in run.output, run.output
