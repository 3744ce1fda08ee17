"""Tier budgets: a unit test over 100 ms or an integration test over 1 s is named.

What is counted is what the test itself costs: its call phase and its
function-scoped fixtures. Setting up or tearing down module- and
session-scoped fixtures (the test database, a server) is left out, since the
first test to need them should not pay for everyone.

A budget counts the time the test computes *or waits* (a sleep, a socket, a
lock), but not the time the machine kept it waiting for a CPU (``clocks``): a
busy CI runner cannot push a fast test over, and a test that sleeps or computes
too long fails every time.

Over-budget tests are listed at the end of the run with the fix. With
``--pyramid-strict`` they fail instead (reported as an error in teardown).
Tests marked ``slow`` or ``performance`` have no budget. The day-one baseline
never records a budget finding: whether a test stays under its budget can
change from run to run, and a baseline must come out the same twice (a test
listed by hand, ``budget <test id>``, is still excused).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import asdict, dataclass, field

import pytest

from .baseline import baseline_of
from .clocks import Clocks, Collections, RunDelays, Usage
from .settings import add_setting, guards_enabled, option_group, read_number, strict
from .tiers import OVER_BUDGET_PROPERTY, tier_of

BUDGET_TIERS = ("unit", "integration")
"""The tiers with a time budget; e2e tests have their hang timeout alone."""
EXEMPT_MARKERS = ("slow", "performance")
FIXES = {
    "unit": "make it faster (mock what is slow, never wait), mark it @pytest.mark.slow, "
    "or move it to tests/integration/",
    "integration": "look for N+1 queries (see docs/testing.md#an-integration-test-is-slow), "
    "or mark it @pytest.mark.slow (over 1 s) or @pytest.mark.performance (over 5 s)",
}
OVER_BUDGET_MESSAGE = (
    "{nodeid}: {tier} test took {took:.0f} ms ({computing:.0f} ms computing, "
    "{waiting:.0f} ms waiting), budget {budget:.0f} ms. Fix: {fix}"
)
BUDGET_GUARD = "budget"
"""The name baseline entries use for this guard."""
STRICT_PREFIX = "Over budget (--pyramid-strict): "


@dataclass
class Timing:
    """What one test used, split so that shared fixtures can be left out."""

    phases: Usage = field(default_factory=Usage)
    teardown: Usage = field(default_factory=Usage)
    failed: bool = False
    shared_teardown_ran: bool = False

    @property
    def own(self) -> Usage:
        return self.phases if self.shared_teardown_ran else self.phases.plus(self.teardown)


@dataclass(frozen=True)
class OverBudget:
    nodeid: str
    tier: str
    seconds: float
    budget: float
    cpu_seconds: float = 0.0

    def describe(self) -> str:
        return OVER_BUDGET_MESSAGE.format(
            nodeid=self.nodeid,
            tier=self.tier,
            took=self.seconds * 1000,
            computing=min(self.cpu_seconds, self.seconds) * 1000,
            waiting=max(0.0, self.seconds - self.cpu_seconds) * 1000,
            budget=self.budget * 1000,
            fix=FIXES[self.tier],
        )


class BudgetKeeper:
    """Measures each test and reports the ones over budget (registered as a plugin)."""

    def __init__(self, budgets: dict[str, float], *, strict: bool, enabled: bool) -> None:
        self.budgets = budgets
        self.strict = strict
        self.enabled = enabled
        self.current: Timing | None = None
        self.findings: list[OverBudget] = []
        self.delays = RunDelays()
        self.collections = Collections()
        if enabled:
            self.collections.install()

    def check(self, item: pytest.Item, timing: Timing) -> OverBudget | None:
        tier = tier_of(item)
        budget = self.budgets.get(tier or "")
        if tier is None or budget is None:
            return None
        if any(item.get_closest_marker(marker) for marker in EXEMPT_MARKERS):
            return None
        own = timing.own
        if own.charged <= budget:
            return None
        return OverBudget(item.nodeid, tier, own.charged, budget, own.cpu + own.helpers_cpu)

    def measure(self, *, teardown: bool = False) -> Generator[None, object, object]:
        """The body of the phase wrappers: add what the phase used to the test's timing."""
        timing = self.current
        if timing is None:
            return (yield)
        start = Clocks.start(self.delays, self.collections)
        try:
            return (yield)
        finally:
            end = Clocks.stop(self.delays, self.collections)
            (timing.teardown if teardown else timing.phases).add(start, end)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, object, object]:
        self.current = Timing() if self.enabled else None
        try:
            return (yield)
        finally:
            self.current = None

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self) -> Generator[None, object, object]:
        return (yield from self.measure())

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self) -> Generator[None, object, object]:
        return (yield from self.measure())

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self) -> Generator[None, object, object]:
        return (yield from self.measure(teardown=True))

    @pytest.hookimpl(wrapper=True)
    def pytest_fixture_setup(
        self, fixturedef: pytest.FixtureDef[object]
    ) -> Generator[None, object, object]:
        timing = self.current
        if timing is None or fixturedef.scope == "function":
            return (yield)
        # Read in this order, what is taken back is never under-estimated.
        start = Clocks.stop(self.delays, self.collections)
        try:
            return (yield)
        finally:
            timing.phases.add(start, Clocks.start(self.delays, self.collections), sign=-1.0)

    def pytest_fixture_post_finalizer(self, fixturedef: pytest.FixtureDef[object]) -> None:
        if self.current is not None and fixturedef.scope != "function":
            self.current.shared_teardown_ran = True

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        timing = self.current
        if timing is None:
            return report
        timing.failed = timing.failed or report.failed
        if call.when != "teardown":
            return report
        finding = None if timing.failed else self.check(item, timing)
        if finding is not None:
            report.user_properties.append((OVER_BUDGET_PROPERTY, asdict(finding)))
            baseline = baseline_of(item.config)
            if baseline.writing:
                pass  # listed below, never written: a time is not a fact about the test's code
            elif baseline.excuses(item, BUDGET_GUARD):
                baseline.report(item, BUDGET_GUARD, finding.describe(), on=report)
            elif self.strict:
                report.outcome = "failed"
                report.longrepr = STRICT_PREFIX + finding.describe()
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Collect findings here, where they also arrive from xdist workers."""
        if report.when == "teardown":
            for name, value in report.user_properties:
                if name == OVER_BUDGET_PROPERTY and isinstance(value, dict):
                    self.findings.append(OverBudget(**value))

    def pytest_unconfigure(self) -> None:
        self.delays.close()
        self.collections.remove()

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if not self.findings:
            return
        verdict = "failed" if self.strict else "listed"
        terminalreporter.write_sep(
            "=", f"pyramid: {len(self.findings)} test(s) over their tier budget ({verdict})"
        )
        for finding in sorted(self.findings, key=lambda finding: -finding.seconds):
            terminalreporter.write_line(finding.describe())


# -- hooks -------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    option_group(parser)
    for tier in BUDGET_TIERS:
        add_setting(parser, f"pyramid_{tier}_budget_ms")


def pytest_configure(config: pytest.Config) -> None:
    budgets = {
        tier: read_number(config, f"pyramid_{tier}_budget_ms", unit="milliseconds") / 1000
        for tier in BUDGET_TIERS
    }
    keeper = BudgetKeeper(budgets, strict=strict(config), enabled=guards_enabled(config))
    config.pluginmanager.register(keeper, "pyramid-budgets")
