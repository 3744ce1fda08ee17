"""The benchmark's tiny version runs end to end on a real render, so it cannot rot.

Only its structure is checked: timings on a shared machine prove nothing here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import peer_django, peer_sqla
from benchmarks.benchmark import run_benchmark
from benchmarks.generated_tests import STRATEGIES
from benchmarks.isolation import INLINE_SWITCH, THREAD_PREFIX
from benchmarks.report import console_table, write_markdown
from benchmarks.results import Results
from benchmarks.schema_build import SERVER_VARIABLE, server_problem
from benchmarks.schema_report import TITLE as SCHEMA_TITLE
from benchmarks.settings import QUICK
from benchmarks.startup import UNIT_FILE as STARTUP_FILE
from benchmarks.targets import evaluate
from harness.project import TEMPLATE_ROOT, GeneratedProject

pytestmark = pytest.mark.field

REAL_REPORT = TEMPLATE_ROOT / "docs" / "performance.md"


def test_quick_benchmark_measures_everything_and_writes_the_report_where_asked(
    default_project: GeneratedProject, tmp_path: Path
) -> None:
    """One scenario, so the benchmark runs once whichever worker gets it."""
    real_report_before = REAL_REPORT.read_bytes() if REAL_REPORT.exists() else None
    report = tmp_path / "docs" / "performance.md"

    results = run_benchmark(QUICK, tmp_path / "work", project=default_project)
    write_markdown(results, report)

    inline_switch = INLINE_SWITCH in default_project.pytest("--help").output
    assert_every_strategy_and_peer_measured(results, inline_switch=inline_switch)
    assert_scaling_parallel_and_suite_measured(results)
    assert_guards_compared_on_tests_passing_both_ways(results)
    assert_report_marks_every_target(results, report.read_text())
    assert_schema_builds_compared_where_a_database_answers(results, report.read_text())
    assert_unit_startup_compared_with_a_bare_run(results)
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


def assert_every_strategy_and_peer_measured(results: Results, *, inline_switch: bool) -> None:
    """Ours, pytest-django's and pytest-sqla's; ours again on aiosqlite's thread if switchable."""
    __tracebackhide__ = True
    measured = {cost.strategy: cost for cost in results.strategies}
    expected = [*STRATEGIES, *peer_django.STRATEGIES, *peer_sqla.STRATEGIES]
    if inline_switch:
        expected += [THREAD_PREFIX + key for key in STRATEGIES]
    assert list(measured) == expected
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
    # Issue 17's five per-test ratios, scaling and the guards; issue 15's per-test ratio on
    # SQLite and on PostgreSQL (not available without a server); issue 25's unit start-up.
    assert len(verdicts) == 10
    for verdict in verdicts:
        if verdict.met is None:
            assert verdict.target.endswith("PostgreSQL"), verdict
            assert verdict.measured.startswith("not measured: "), verdict
            continue
        row = f"| {verdict.target} | {verdict.goal} | {verdict.measured} | **{verdict.status}** |"
        assert row in report
        assert verdict.target in console_table(results)
    assert "**Quick run**" in report
    assert "### Side by side with the peers" in report
    assert "## Method" in report
    assert "## Machine" in report


def assert_unit_startup_compared_with_a_bare_run(results: Results) -> None:
    """Both ways timed, round for round; the ratio is reported, never asserted."""
    __tracebackhide__ = True
    startup = results.startup
    assert startup.unit_file == STARTUP_FILE
    timings = [startup.suite_seconds, startup.bare_seconds]
    timings += [startup.suite_cpu_seconds, startup.bare_cpu_seconds]
    assert [len(seconds) for seconds in timings] == [QUICK.startup_rounds] * 4
    assert min(min(seconds) for seconds in timings) > 0
    assert startup.ratio == startup.suite_median / startup.bare_median


def assert_schema_builds_compared_where_a_database_answers(results: Results, report: str) -> None:
    """SQLite always; PostgreSQL when TEST_DATABASE_URL answers, else a row saying why not."""
    __tracebackhide__ = True
    sqlite, postgresql = results.schema_builds
    assert sqlite.database == "sqlite"
    assert sqlite.measured, sqlite
    assert postgresql.database == "postgresql"
    skipped = server_problem(os.environ.get(SERVER_VARIABLE, ""))
    assert postgresql.skipped == skipped
    for build in [sqlite] if skipped else [sqlite, postgresql]:
        assert build.rounds == QUICK.schema_rounds, build
        assert build.tests == QUICK.schema_tests - 1, build  # the first test pays the build
        assert min(build.no_database_ms, build.migrations_ms, build.create_all_ms) > 0, build
        assert build.migrations_per_test_ms > 0, build
        assert build.create_all_per_test_ms > 0, build
        assert build.migrations_first_test_ms > 0, build
        assert build.create_all_first_test_ms > 0, build
    assert SCHEMA_TITLE in report
    section = report.split(SCHEMA_TITLE, 1)[1].split("\n## ", 1)[0]
    assert f"{sqlite.one_off_difference_ms:+.0f} ms |" in section
    assert f"| {sqlite.per_test_ratio:.2f}x |" in section
    if skipped:
        assert f"| PostgreSQL | not measured: {skipped} |" in section
