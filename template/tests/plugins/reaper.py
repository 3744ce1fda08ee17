"""What a killed run left behind is removed by the next run.

A run killed with SIGKILL or SIGTERM (or an xdist worker that crashes) runs no
teardown, so whatever it leaves outside its own processes, temporary folders
and databases, carries its owner in its name: ``p<pid>t<start time>h<host>``
(``Owner.tag``). The next run removes what belongs to an owner that is gone:
no process with that PID on this host, or one started after the tag was
written (the PID was reused). Whatever might still be in use, another machine's
or a live process's, is left alone, so concurrent runs never remove each
other's. The end of the run says how many it removed.

Processes die with the run instead: an xdist worker whose controller is killed
exits (``exit_when_orphaned``), and so does the API server of the E2E tier
(``tests/e2e/api_server.py``). Both poll their parent's PID, which works on
Linux and macOS alike.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Mapping

import pytest

PARENT_POLL_SECONDS = 0.2
DOCS = "docs/testing.md#a-killed-run-left-folders-or-databases"

reaped_key = pytest.StashKey[Counter[str]]()


def record(config: pytest.Config, counts: Mapping[str, int]) -> None:
    """Count what was removed, e.g. ``{"temporary folder": 2}``, for the header."""
    total = config.stash.setdefault(reaped_key, Counter())
    total.update({what: count for what, count in counts.items() if count > 0})


def summary(counts: Mapping[str, int]) -> str | None:
    """``removed what killed runs left: 2 temporary folders, 1 database``, or None."""
    parts = [f"{count} {what}{'s' if count > 1 else ''}" for what, count in counts.items() if count]
    if not parts:
        return None
    return f"removed what killed runs left: {', '.join(parts)} (see {DOCS})"


def exit_when_orphaned(parent: int) -> None:
    """Exit this process as soon as ``parent`` is no longer its parent (it died)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="exit-when-orphaned", daemon=True).start()


# -- hooks -------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    """An xdist worker outlives a killed controller unless it watches for it."""
    if hasattr(config, "workerinput"):
        exit_when_orphaned(os.getppid())


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """At the end: databases of killed runs are only found once the server is reached."""
    counts: Counter[str] = terminalreporter.config.stash.get(reaped_key, Counter())
    line = summary(counts)
    if line is not None:
        terminalreporter.write_line(line)
