"""The day-one ratchet: guard findings of tests listed in a baseline file are reported, not failed.

A team adopting the suite into a project with tests of its own would otherwise
see passing tests turn red on the first run (a test under ``tests/unit`` that
uses the database, a slow one). ``pytest --pyramid-write-baseline`` runs the
suite with every guard reporting instead of failing and writes what it found
to ``tests/pyramid-baseline.txt``, one ``<guard> <test id>`` a line. From then
on a listed finding is reported at the end of the run while the test runs as it
did before; every other test gets the full guards. Deleting a line re-arms the
guard for that test; entries no longer needed are named in the summary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .settings import option_group

BASELINE_FILE = "tests/pyramid-baseline.txt"
PROPERTY = "pyramid_baselined"
HEADER = (
    "# Guard findings of tests that existed before the suite was adopted: reported, not failed.\n"
    "# Written by `pytest --pyramid-write-baseline`; delete a line to re-arm that guard for\n"
    "# that test. See docs/testing.md#the-day-one-baseline\n"
)


@dataclass(frozen=True, order=True)
class Finding:
    guard: str
    nodeid: str
    message: str = field(default="", compare=False)

    def line(self) -> str:
        return f"{self.guard} {self.nodeid}"


class Baseline:
    """Which (guard, test) pairs are excused, and what this run found in them."""

    def __init__(self, path: Path, excused: set[tuple[str, str]], *, writing: bool) -> None:
        self.path = path
        self.excused = excused
        self.writing = writing
        self.findings: list[Finding] = []
        self.ran: set[str] = set()

    @classmethod
    def load(cls, path: Path, *, writing: bool) -> Baseline:
        excused: set[tuple[str, str]] = set()
        if path.is_file():
            for raw in path.read_text().splitlines():
                line = raw.strip()
                if line and not line.startswith("#"):
                    guard, _, nodeid = line.partition(" ")
                    excused.add((guard, nodeid.strip()))
        return cls(path, excused, writing=writing)

    def excuses(self, item: pytest.Item, guard: str) -> bool:
        """True if ``guard`` must report rather than fail ``item`` in this run."""
        return self.writing or (guard, item.nodeid) in self.excused

    def report(
        self, item: pytest.Item, guard: str, message: str, *, on: pytest.TestReport | None = None
    ) -> None:
        """Record an excused finding; it reaches the xdist controller with the test's reports.

        ``on``: a report already made (the teardown's), which the finding must join.
        """
        finding = {"guard": guard, "nodeid": item.nodeid, "message": message}
        properties = item.user_properties if on is None else on.user_properties
        if (PROPERTY, finding) not in properties:
            properties.append((PROPERTY, finding))

    def unused(self) -> list[tuple[str, str]]:
        """Entries for tests that ran in this run and no longer needed them."""
        found = {(finding.guard, finding.nodeid) for finding in self.findings}
        return sorted(entry for entry in self.excused - found if entry[1] in self.ran)

    # -- hooks (the object is registered as a plugin) --------------------------

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Collect findings here, where they also arrive from xdist workers."""
        if report.when != "teardown":
            return
        self.ran.add(report.nodeid)
        for name, value in report.user_properties:
            if name == PROPERTY and isinstance(value, dict):
                self.findings.append(Finding(**value))

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.writing and not hasattr(session.config, "workerinput"):
            lines = sorted({finding.line() for finding in self.findings})
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(HEADER + "".join(f"{line}\n" for line in lines))

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        shown = self.path.relative_to(terminalreporter.config.rootpath)
        findings = sorted(set(self.findings))
        unused = [] if self.writing else self.unused()
        if self.writing:
            title = f"wrote {len(findings)} baseline entries to {shown}"
        elif findings:
            title = f"{len(findings)} baselined guard finding(s), reported, not failed"
        elif unused:
            title = f"{len(unused)} baseline entries can go"
        else:
            return
        terminalreporter.write_sep("=", f"pyramid: {title}")
        for finding in findings:
            terminalreporter.write_line(f"{finding.line()}: {finding.message}")
        for guard, nodeid in unused:
            terminalreporter.write_line(
                f"{guard} {nodeid}: no longer needed; delete it from {shown}"
            )


baseline_key = pytest.StashKey[Baseline]()


def baseline_of(config: pytest.Config) -> Baseline:
    """The run's baseline, for the guards to ask ``excuses(item, guard)``."""
    return config.stash[baseline_key]


def fail_unless_baselined(item: pytest.Item, guard: str, message: str) -> None:
    """Fail the test with a guard's ``message``, or report it if the baseline excuses it."""
    __tracebackhide__ = True
    baseline = baseline_of(item.config)
    if baseline.excuses(item, guard):
        baseline.report(item, guard, message)
    else:
        pytest.fail(message, pytrace=False)


# -- hooks -------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    option_group(parser).addoption(
        "--pyramid-write-baseline",
        action="store_true",
        default=False,
        help=f"run with every guard reporting instead of failing, and write {BASELINE_FILE}",
    )


def pytest_configure(config: pytest.Config) -> None:
    writing = bool(config.getoption("pyramid_write_baseline"))
    baseline = Baseline.load(config.rootpath / BASELINE_FILE, writing=writing)
    config.stash[baseline_key] = baseline
    config.pluginmanager.register(baseline, "pyramid-baseline")
