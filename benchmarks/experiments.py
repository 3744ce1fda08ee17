"""The measurements: each one clones the rendered project and runs its pytest.

Noise from other processes is handled three ways: strategies compared per test
are interleaved in one run; runs compared by wall time alternate and keep the
fastest round; the small suite is measured before and after the large one.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from harness.project import GeneratedProject, render

from .durations import MeasuredTest, group_by, median_ms
from .generated_tests import BENCHMARK_FOLDER, write_integration_tests
from .runner import clone, pytest_help, timed_pytest
from .settings import Sizes

GUARD_SWITCH = "pyramid_guards"


@dataclass(frozen=True)
class StrategyCost:
    strategy: str
    tests: int
    median_ms: float
    median_cpu_ms: float = 0.0


@dataclass(frozen=True)
class Scaling:
    small_tests: int
    large_tests: int
    small_median_ms: float
    large_median_ms: float


@dataclass(frozen=True)
class Parallel:
    tests: int
    serial_seconds: float
    two_workers_seconds: float


@dataclass(frozen=True)
class Suite:
    render_seconds: float
    tests: int
    run_seconds: float
    collect_seconds: float
    seconds_by_tier: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Guards:
    available: bool
    tests: int = 0
    excluded: list[str] = field(default_factory=list)
    on_median_ms: float = 0.0
    off_median_ms: float = 0.0
    on_mean_ms: float = 0.0
    off_mean_ms: float = 0.0
    on_total_ms_by_tier: dict[str, float] = field(default_factory=dict)
    off_total_ms_by_tier: dict[str, float] = field(default_factory=dict)

    @property
    def added(self) -> float:
        """What the guards add to the suite's time: paired, per-test medians summed."""
        return sum(self.on_total_ms_by_tier.values()) / sum(self.off_total_ms_by_tier.values()) - 1


def measure_scaling_and_parallel(
    project: GeneratedProject, workdir: Path, sizes: Sizes
) -> tuple[Scaling, Parallel]:
    """Small suite, large suite, small suite again; then -n 2 against -n 0 on the large one."""
    small = clone(project, workdir, f"scale-{sizes.small_suite}")
    write_integration_tests(small, sizes.small_suite)
    large = clone(project, workdir, f"scale-{sizes.large_suite}")
    write_integration_tests(large, sizes.large_suite)

    small_durations: list[MeasuredTest] = []
    small_durations += timed_pytest(small, "-n", "0", BENCHMARK_FOLDER).durations
    serial_first = timed_pytest(large, "-n", "0", BENCHMARK_FOLDER)
    small_durations += timed_pytest(small, "-n", "0", BENCHMARK_FOLDER).durations
    scaling = Scaling(
        small_tests=sizes.small_suite,
        large_tests=sizes.large_suite,
        small_median_ms=median_ms(small_durations),
        large_median_ms=median_ms(serial_first.durations),
    )

    serial = [serial_first.wall_seconds]
    two_workers: list[float] = []
    for round_number in range(sizes.parallel_rounds):
        two_workers.append(timed_pytest(large, "-n", "2", BENCHMARK_FOLDER).wall_seconds)
        if round_number + 1 < sizes.parallel_rounds:
            serial.append(timed_pytest(large, "-n", "0", BENCHMARK_FOLDER).wall_seconds)
    parallel = Parallel(sizes.large_suite, min(serial), min(two_workers))
    return scaling, parallel


def measure_render(sizes: Sizes) -> float:
    """Median seconds for Copier to render the template (no install)."""
    seconds = []
    with tempfile.TemporaryDirectory(prefix="benchmark-render-") as directory:
        for round_number in range(sizes.render_rounds):
            started = time.perf_counter()
            render(Path(directory) / f"render-{round_number}")
            seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def measure_suite_and_guards(
    project: GeneratedProject, workdir: Path, sizes: Sizes, render_seconds: float
) -> tuple[Suite, Guards]:
    """The default suite as shipped and, if the switch exists, with its guards off.

    Rounds alternate on/off with the same seed. Tests that prove a guard fires
    fail with the guards off; both sides leave them out, to compare the same tests.
    """
    copy = clone(project, workdir, "default-suite")
    available = GUARD_SWITCH in pytest_help(copy)
    on: list[MeasuredTest] = []
    off: list[MeasuredTest] = []
    walls: list[float] = []
    for round_number in range(sizes.suite_rounds):
        arguments = (f"--randomly-seed={round_number + 1}", *sizes.suite_arguments)
        run = timed_pytest(copy, *arguments)
        walls.append(run.wall_seconds)
        on += run.durations
        if available:
            guards_off = ("-o", f"{GUARD_SWITCH}=false")
            off += timed_pytest(copy, *arguments, *guards_off, allow_failures=True).durations
    collect = min(
        timed_pytest(
            copy, "--collect-only", "-q", *sizes.suite_arguments, per_test=False
        ).wall_seconds
        for _ in range(sizes.suite_rounds)
    )
    by_tier = group_by(run.durations, _tier)
    suite = Suite(
        render_seconds,
        len(run.durations),
        statistics.median(walls),
        collect,
        {tier: sum(duration.seconds for duration in tests) for tier, tests in by_tier.items()},
    )
    if not available:
        return suite, Guards(available=False)
    excluded = sorted({duration.node_id for duration in off if not duration.passed})
    on = [duration for duration in on if duration.node_id not in excluded]
    off = [duration for duration in off if duration.node_id not in excluded]
    guards = Guards(
        available=True,
        tests=len(on) // sizes.suite_rounds,
        excluded=excluded,
        on_median_ms=median_ms(on),
        off_median_ms=median_ms(off),
        on_mean_ms=_mean_ms(on),
        off_mean_ms=_mean_ms(off),
        on_total_ms_by_tier=_paired_totals_by_tier(on),
        off_total_ms_by_tier=_paired_totals_by_tier(off),
    )
    return suite, guards


def _paired_totals_by_tier(durations: list[MeasuredTest]) -> dict[str, float]:
    """Each test's median over the rounds, summed per tier: robust to a noisy round."""
    totals: dict[str, float] = {}
    for rounds in group_by(durations, lambda duration: duration.node_id).values():
        tier = _tier(rounds[0])
        totals[tier] = totals.get(tier, 0.0) + median_ms(rounds)
    return totals


def _tier(duration: MeasuredTest) -> str:
    """``tests/e2e/test_x.py::test_y`` -> ``e2e``."""
    parts = duration.node_id.split("/")
    return parts[1] if len(parts) > 2 else "other"


def _mean_ms(durations: list[MeasuredTest]) -> float:
    return statistics.fmean(duration.seconds * 1000 for duration in durations)
