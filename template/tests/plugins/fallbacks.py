"""A speed-up or a backstop that a new release of a dependency breaks is turned off, not the run.

The SQLite fast path (``sqlite_inline``) relies on private members of aiosqlite
and SQLAlchemy, and the hang guard's backstop (``hangs``) on pytest-timeout's
``Settings``. When a release moves them, the process that finds out calls
``turn_off``: the feature is skipped and the end of the run says so in one
line (xdist workers hand their lines to the controller), so the suite still
runs, only slower or without that backstop.
"""

from __future__ import annotations

import pytest

WORKER_OUTPUT_KEY = "pyramid_fallbacks"
notes_key = pytest.StashKey[list[str]]()


def turn_off(config: pytest.Config, feature: str, reason: str) -> None:
    """Note that ``feature`` is off in this run, and why (each note once)."""
    _note(config, f"pyramid: {feature} is off: {reason}")


# -- hooks -------------------------------------------------------------------


def pytest_sessionfinish(session: pytest.Session) -> None:
    """An xdist worker's notes go to the controller with its other output."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[WORKER_OUTPUT_KEY] = session.config.stash.get(notes_key, [])


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    """The controller collects the workers' notes (``pytest-xdist``'s hook)."""
    config: pytest.Config | None = getattr(node, "config", None)
    output = getattr(node, "workeroutput", None) or {}
    if config is not None:
        for line in output.get(WORKER_OUTPUT_KEY, []):
            _note(config, line)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in terminalreporter.config.stash.get(notes_key, []):
        terminalreporter.write_line(line, yellow=True)


def _note(config: pytest.Config, line: str) -> None:
    notes = config.stash.setdefault(notes_key, [])
    if line not in notes:
        notes.append(line)
