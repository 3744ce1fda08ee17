"""The issue's targets, each a ratio of numbers measured in the same run.

Each per-test target is also computed with the template's SQLite calls on
aiosqlite's thread (``pyramid_sqlite_inline = false``), measured in the same
run: the "before" column, what the suite cost without the fast path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .isolation import THREAD_PREFIX
from .results import Results
from .schema_build import SchemaBuild
from .startup import BARE, describe


@dataclass(frozen=True)
class Verdict:
    """One target: what was required, what was measured, and whether it was met."""

    target: str
    goal: str
    measured: str
    met: bool | None  # None: could not be measured in this run
    before: str = "—"  # the same target on aiosqlite's thread, when it applies

    @property
    def status(self) -> str:
        return {True: "met", False: "not met", None: "not available"}[self.met]


Cost = Callable[[str], float]


def evaluate(results: Results) -> list[Verdict]:
    verdicts = [
        _per_test(results, target, goal, ratio, check)
        for target, goal, ratio, check in PER_TEST_TARGETS
    ]
    scaling = results.scaling
    growth = scaling.large_median_ms / scaling.small_median_ms - 1
    verdicts.append(
        Verdict(
            f"Per-test cost at {scaling.large_tests:,} tests vs {scaling.small_tests:,}",
            "within ±10%",
            f"{growth:+.1%}",
            abs(growth) <= 0.10,
        )
    )
    verdicts.append(_guard_verdict(results))
    verdicts += [_schema_verdict(build) for build in results.schema_builds]
    verdicts.append(startup_verdict(results))
    return verdicts


def _overhead(cost: Cost, ours: str, floor: str) -> float:
    return cost(ours) - cost(floor)


PER_TEST_TARGETS: list[tuple[str, str, Callable[[Cost, Cost], float], Callable[[float], bool]]] = [
    (
        "The guide's example test ÷ the same under pytest-django, SQLite (median per test)",
        "≤ 1.2x (stretch ≤ 1.0x)",
        lambda ours, peers: ours("guide_db_session") / peers("django_guide"),
        lambda ratio: ratio <= 1.2,
    ),
    (
        "The benchmark's heavier work ÷ the same under pytest-django, SQLite",
        "≤ 1.2x (stretch ≤ 1.0x)",
        lambda ours, peers: ours("db_session") / peers("django_work"),
        lambda ratio: ratio <= 1.2,
    ),
    (
        "db_session's overhead ÷ django_db's (each over its own floor)",
        "≤ 1.0x",
        lambda ours, peers: (
            _overhead(ours, "db_session_idle", "floor")
            / _overhead(peers, "django_db_idle", "django_floor")
        ),
        lambda ratio: ratio <= 1.0,
    ),
    (
        "pytest-sqla ÷ db_session, the guide's example test",
        "≥ 1.3x",
        lambda ours, peers: peers("sqla_guide") / ours("guide_db_session"),
        lambda ratio: ratio >= 1.3,
    ),
    (
        "pytest-sqla ÷ db_session, the heavier work",
        "≥ 1.3x",
        lambda ours, peers: peers("sqla_work") / ours("db_session"),
        lambda ratio: ratio >= 1.3,
    ),
]


def _per_test(
    results: Results,
    target: str,
    goal: str,
    ratio: Callable[[Cost, Cost], float],
    check: Callable[[float], bool],
) -> Verdict:
    after = ratio(results.cost_ms, results.cost_ms)
    before = "—"
    if results.has_strategy(THREAD_PREFIX + "floor"):
        thread: Cost = lambda key: results.cost_ms(THREAD_PREFIX + key)  # noqa: E731
        before = f"{ratio(thread, results.cost_ms):.2f}x"
    return Verdict(target, goal, f"{after:.2f}x", check(after), before)


def _guard_verdict(results: Results) -> Verdict:
    target = "Guards' cost per test of the default suite (per-test medians summed, on ÷ off)"
    guards = results.guards
    if not guards.available:
        return Verdict(target, "≤ +10%", "no pyramid_guards switch in this template", None)
    return Verdict(target, "≤ +10%", f"{guards.added:+.1%}", guards.added <= 0.10)


STARTUP_TARGET = f"A unit file's run, with the suite ÷ bare (`{' '.join(BARE)}`), wall medians"
STARTUP_LIMIT = 1.3


def startup_verdict(results: Results) -> Verdict:
    startup = results.startup
    met = startup.ratio <= STARTUP_LIMIT
    return Verdict(STARTUP_TARGET, f"≤ {STARTUP_LIMIT}x", describe(startup), met)


SCHEMA_TOLERANCE = 0.10
DATABASE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _schema_verdict(build: SchemaBuild) -> Verdict:
    target = f"Per-test cost, migrations ÷ create_all, {DATABASE_NAMES[build.database]}"
    goal = f"1.0x ±{SCHEMA_TOLERANCE:.0%}"
    if not build.measured:
        return Verdict(target, goal, f"not measured: {build.skipped}", None)
    ratio = build.per_test_ratio
    return Verdict(target, goal, f"{ratio:.2f}x", abs(ratio - 1) <= SCHEMA_TOLERANCE)
