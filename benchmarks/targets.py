"""The issue's targets, each a ratio of numbers measured in the same run."""

from __future__ import annotations

from dataclasses import dataclass

from .results import Results


@dataclass(frozen=True)
class Verdict:
    """One target: what was required, what was measured, and whether it was met."""

    target: str
    goal: str
    measured: str
    met: bool | None  # None: could not be measured in this run

    @property
    def status(self) -> str:
        return {True: "met", False: "not met", None: "not available"}[self.met]


def evaluate(results: Results) -> list[Verdict]:
    floor = results.cost_ms("floor")
    overhead = results.cost_ms("db_session_idle") - floor
    fresh_ratio = results.cost_ms("fresh_file") / results.cost_ms("db_session")
    guide_ratio = results.cost_ms("guide_fresh_file") / results.cost_ms("guide_db_session")
    scaling = results.scaling
    growth = scaling.large_median_ms / scaling.small_median_ms - 1
    parallel = results.parallel
    speed_up = parallel.serial_seconds / parallel.two_workers_seconds
    return [
        Verdict(
            "db_session fixture overhead over the floor (median per test)",
            "≤ 1.00 ms",
            f"{overhead:.2f} ms",
            overhead <= 1.0,
        ),
        Verdict(
            "Fresh database file per test ÷ db_session, same work",
            "≥ 4.0x",
            f"{fresh_ratio:.1f}x",
            fresh_ratio >= 4.0,
        ),
        Verdict(
            "Fresh database file per test ÷ db_session, the guide's example test",
            "≥ 3.0x",
            f"{guide_ratio:.1f}x",
            guide_ratio >= 3.0,
        ),
        Verdict(
            f"Per-test cost at {scaling.large_tests:,} tests vs {scaling.small_tests:,}",
            "within ±10%",
            f"{growth:+.1%}",
            abs(growth) <= 0.10,
        ),
        Verdict(
            f"-n 2 speed-up over -n 0 at {parallel.tests:,} integration tests",
            "≥ 1.8x",
            f"{speed_up:.2f}x",
            speed_up >= 1.8,
        ),
        _guard_verdict(results),
    ]


def _guard_verdict(results: Results) -> Verdict:
    target = "Guards' cost per test of the default suite (per-test medians summed, on ÷ off)"
    guards = results.guards
    if not guards.available:
        return Verdict(target, "≤ +10%", "no pyramid_guards switch in this template", None)
    return Verdict(target, "≤ +10%", f"{guards.added:+.1%}", guards.added <= 0.10)
