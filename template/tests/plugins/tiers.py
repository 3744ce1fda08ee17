"""Tiers by folder (``tests/unit``, ``tests/integration``, ``tests/e2e``) and the run's shape.

Each collected test gets its tier's marker, so ``pytest -m unit`` selects by
folder without anyone remembering to write ``@pytest.mark.unit``. At the end,
the shape report gives the share of each tier among the tests that ran, against
the target. A run narrowed by a path, ``-k`` or a marker expression other than
the default one is called partial and its shape is not judged; so is a run that
was interrupted (Ctrl-C) or stopped early (``-x``, ``--maxfail``).
``--pyramid-strict`` fails a full run whose shape is out of tolerance;
``--pyramid-json=PATH`` writes the figures for CI (``ci_summary``).
"""

from __future__ import annotations

import itertools
import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from .settings import add_setting, default_of, option_group, read_number, strict

TIERS = ("unit", "integration", "e2e")
MARKERS = (
    "unit: fast, isolated tests of pure logic (<100ms); applied to tests/unit automatically",
    "integration: tests against the real database or HTTP (<1s); "
    "applied to tests/integration automatically",
    "e2e: complete user workflows; applied to tests/e2e automatically",
    'slow: takes more than 1s; deselected by default, run with -m ""',
    "performance: takes more than 5s or measures speed; deselected by default",
    "diagnostic: investigation or profiling aid, not a check; deselected by default",
)
"""Registered here so they hold in any project (an adopted one too); the reference
render's ``[tool.pytest.ini_options] markers`` lists the same, where pytest users look."""

tier_key = pytest.StashKey[str]()
OVER_BUDGET_PROPERTY = "pyramid_over_budget"
"""The report property that carries a budget finding (``budgets``) to ``--pyramid-json``."""


def tier_of(item: pytest.Item) -> str | None:
    """The tier of a collected test, or None for a test outside the tier folders."""
    return item.stash.get(tier_key, None)


def marker_name(line: str) -> str:
    """``"slow: takes..."`` and ``"slow(reason): ..."`` both register ``slow``."""
    return line.split(":", 1)[0].split("(", 1)[0].strip()


def register_markers(config: pytest.Config) -> None:
    """Add the ``MARKERS`` the configuration does not have (`pytest --markers` lists each once)."""
    configured = {marker_name(line) for line in config.getini("markers")}
    for marker in MARKERS:
        if marker_name(marker) not in configured:
            config.addinivalue_line("markers", marker)


def tier_from_path(path: Path, tests_root: Path) -> str | None:
    try:
        relative = path.relative_to(tests_root)
    except ValueError:
        return None
    top = relative.parts[0] if len(relative.parts) > 1 else None
    return top if top in TIERS else None


@dataclass(frozen=True)
class TierShare:
    tier: str
    count: int
    percent: float
    target: float
    tolerance: float

    @property
    def within_tolerance(self) -> bool:
        return abs(self.percent - self.target) <= self.tolerance


class PyramidReport:
    """Counts the tests that ran by tier and reports the shape (registered as a plugin)."""

    def __init__(
        self,
        config: pytest.Config,
        target: dict[str, float],
        tolerance: float,
        partial_reason: str | None,
    ) -> None:
        self.config = config
        self.target = target
        self.tolerance = tolerance
        self.partial_reason = partial_reason
        self.counts: Counter[str] = Counter()
        self.over_budget: list[dict[str, object]] = []
        self._seen: set[str] = set()

    @property
    def shares(self) -> list[TierShare]:
        total = sum(self.counts[tier] for tier in TIERS)
        return [
            TierShare(
                tier,
                self.counts[tier],
                100 * self.counts[tier] / total if total else 0.0,
                self.target[tier],
                self.tolerance,
            )
            for tier in TIERS
        ]

    @property
    def within_tolerance(self) -> bool:
        return all(share.within_tolerance for share in self.shares)

    def as_dict(self) -> dict[str, object]:
        return {
            "partial": self.partial_reason is not None,
            "partial_reason": self.partial_reason,
            "within_tolerance": self.within_tolerance,
            "tolerance": self.tolerance,
            "untiered": self.counts["untiered"],
            "over_budget": self.over_budget,
            "tiers": {
                share.tier: {
                    "count": share.count,
                    "percent": round(share.percent, 1),
                    "target": share.target,
                    "within_tolerance": share.within_tolerance,
                }
                for share in self.shares
            },
        }

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "teardown":  # budget findings, for --pyramid-json
            self.over_budget.extend(
                value
                for name, value in report.user_properties
                if name == OVER_BUDGET_PROPERTY and isinstance(value, dict)
            )
        if report.when != "setup" or report.nodeid in self._seen:
            return
        self._seen.add(report.nodeid)
        path = self.config.rootpath / report.nodeid.split("::")[0]
        self.counts[tier_from_path(path, self.config.rootpath / "tests") or "untiered"] += 1

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.partial_reason = self.partial_reason or stopped_reason(session)
        json_path = self.config.getoption("pyramid_json")
        if json_path:
            Path(json_path).write_text(json.dumps(self.as_dict(), indent=2) + "\n")
        judged = self.partial_reason is None and sum(self.counts.values()) > 0
        failing = judged and strict(self.config) and not self.within_tolerance
        if failing and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    @pytest.hookimpl(trylast=True)  # the run's last section, after the budget findings
    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if not self.counts:
            return
        terminalreporter.write_sep("=", "pyramid: shape of this run")
        for share in self.shares:
            verdict = "ok" if share.within_tolerance else "OUT OF TOLERANCE"
            if self.partial_reason:
                verdict = ""
            terminalreporter.write_line(
                f"{share.tier:<12} {share.count:>5} {share.percent:>6.1f}%  "
                f"(target {share.target:g}% ± {share.tolerance:g})  {verdict}".rstrip()
            )
        if self.counts["untiered"]:
            terminalreporter.write_line(
                f"{self.counts['untiered']} test(s) outside tests/unit, tests/integration "
                "and tests/e2e are not counted: move them into a tier folder"
            )
        if self.partial_reason:
            terminalreporter.write_line(f"partial run ({self.partial_reason}): shape not judged")
        elif not self.within_tolerance:
            consequence = "add tests to the thin tiers or move tests down the pyramid"
            if strict(self.config):
                consequence = "the run fails (--pyramid-strict)"
            terminalreporter.write_line(f"shape is out of tolerance: {consequence}")


def parse_target(raw: str) -> dict[str, float]:
    parts = raw.replace(" ", "").split("/")
    try:
        values = [float(part) for part in parts]
    except ValueError:
        values = []
    if len(values) != len(TIERS) or abs(sum(values) - 100) > 0.01 or min(values) < 0:
        raise pytest.UsageError(
            f"pyramid_target = {raw!r}: expected three percentages for "
            f"unit/integration/e2e adding up to 100, e.g. {default_of('pyramid_target')!r}"
        )
    return dict(zip(TIERS, values, strict=True))


def stopped_reason(session: pytest.Session) -> str | None:
    """Why the run ended before its last test, or None when it ran to the end."""
    if session.exitstatus == pytest.ExitCode.INTERRUPTED:
        return "interrupted"
    stopped = session.shouldfail or session.shouldstop  # -x, --maxfail: "stopping after ..."
    if not stopped:
        return None
    return stopped if isinstance(stopped, str) else "stopped early"


def partial_reason(config: pytest.Config) -> str | None:
    """Why this run does not represent the whole suite, or None when it does."""
    if config.option.keyword:
        return f"-k {config.option.keyword!r}"
    splits = getattr(config.option, "splits", None)  # pytest-split, in sharded CI
    if splits:
        return f"--splits {splits} --group {getattr(config.option, 'group', '?')}"
    markexpr = config.option.markexpr
    if markexpr and markexpr != default_markexpr(config):
        return f"-m {markexpr!r}"
    if config.args_source == pytest.Config.ArgsSource.ARGS:
        whole = {config.rootpath, config.rootpath / "tests"}
        base = config.invocation_params.dir
        narrowed = [
            arg for arg in config.args if (base / arg.split("::")[0]).resolve() not in whole
        ]
        if narrowed:
            return " ".join(narrowed)
    return None


def default_markexpr(config: pytest.Config) -> str | None:
    """The ``-m`` expression of ``addopts``: the suite's default selection."""
    addopts = config.getini("addopts")
    for flag, value in itertools.pairwise(addopts):
        if flag == "-m":
            return str(value)
    return None


# -- hooks -------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = option_group(parser)
    group.addoption(
        "--pyramid-json",
        metavar="PATH",
        default=None,
        help="write the tier counts and shares of this run as JSON",
    )
    add_setting(parser, "pyramid_target")
    add_setting(parser, "pyramid_tolerance")


def pytest_configure(config: pytest.Config) -> None:
    register_markers(config)
    target = parse_target(str(config.getini("pyramid_target")))
    tolerance = read_number(config, "pyramid_tolerance", unit="percentage points")
    if "PYTEST_XDIST_WORKER" in os.environ:
        return  # the controller, which sees every report, does the counting
    report = PyramidReport(config, target, tolerance, partial_reason(config))
    config.pluginmanager.register(report, "pyramid-report")


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tests_root = config.rootpath / "tests"
    for item in items:
        tier = tier_from_path(item.path, tests_root)
        if tier is not None:
            item.stash[tier_key] = tier
            item.add_marker(tier)
