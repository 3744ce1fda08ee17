"""The benchmark's tiny version runs end to end on a real render, so it cannot rot.

Only its structure is checked: timings on a shared machine prove nothing here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from benchmarks.benchmark import run_benchmark
from benchmarks.generated_tests import STRATEGIES
from benchmarks.report import console_table, write_markdown
from benchmarks.results import Results
from benchmarks.settings import QUICK
from benchmarks.targets import evaluate
from tests.project import TEMPLATE_ROOT, GeneratedProject

REAL_REPORT = TEMPLATE_ROOT / "docs" / "performance.md"


def test_quick_benchmark_measures_everything_and_writes_the_report_where_asked(
    default_project: GeneratedProject, tmp_path: Path
) -> None:
    """One scenario, so the benchmark runs once whichever worker gets it."""
    real_report_before = REAL_REPORT.read_bytes() if REAL_REPORT.exists() else None
    report = tmp_path / "docs" / "performance.md"

    results = run_benchmark(QUICK, tmp_path / "work", project=default_project)
    write_markdown(results, report)

    assert_every_strategy_measured(results)
    assert_scaling_parallel_and_suite_measured(results)
    assert_guards_compared_on_tests_passing_both_ways(results)
    assert_report_marks_every_target(results, report.read_text())
    assert (REAL_REPORT.read_bytes() if REAL_REPORT.exists() else None) == real_report_before


def test_command_line_offers_the_quick_and_output_options() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--help"],
        cwd=TEMPLATE_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "--quick" in result.stdout
    assert "--output" in result.stdout


# -- helpers -----------------------------------------------------------------


def assert_every_strategy_measured(results: Results) -> None:
    __tracebackhide__ = True
    measured = {cost.strategy: cost for cost in results.strategies}
    assert list(measured) == list(STRATEGIES)
    for cost in measured.values():
        assert cost.tests == QUICK.tests_per_strategy, cost
        assert cost.median_ms > 0, cost


def assert_scaling_parallel_and_suite_measured(results: Results) -> None:
    __tracebackhide__ = True
    scaling, parallel, suite = results.scaling, results.parallel, results.suite
    assert (scaling.small_tests, scaling.large_tests) == (QUICK.small_suite, QUICK.large_suite)
    assert scaling.small_median_ms > 0
    assert scaling.large_median_ms > 0
    assert parallel.serial_seconds > 0
    assert parallel.two_workers_seconds > 0
    assert suite.render_seconds > 0
    assert 0 < suite.collect_seconds < suite.run_seconds
    assert set(suite.seconds_by_tier) == {"unit", "integration"}  # quick leaves out e2e
    assert suite.tests >= 80


def assert_guards_compared_on_tests_passing_both_ways(results: Results) -> None:
    __tracebackhide__ = True
    guards = results.guards
    assert guards.available, "the template has a pyramid_guards switch to turn the guards off"
    assert guards.on_median_ms > 0
    assert guards.off_median_ms > 0
    assert guards.tests == results.suite.tests - len(guards.excluded)


def assert_report_marks_every_target(results: Results, report: str) -> None:
    __tracebackhide__ = True
    verdicts = evaluate(results)
    assert len(verdicts) == 6  # issue 6's five targets and the guide-example ratio
    for verdict in verdicts:
        assert verdict.met is not None, verdict
        assert f"| {verdict.target} | {verdict.goal} | {verdict.measured} |" in report
        assert verdict.target in console_table(results)
    assert "**Quick run**" in report
    assert "## Method" in report
    assert "## Machine" in report
