"""Turn a run's results into the console table and ``docs/performance.md``."""

from __future__ import annotations

from pathlib import Path

from .isolation import THREAD_PREFIX
from .method_report import machine_section as _machine
from .method_report import method_section as _method
from .peer_report import peers_section
from .results import Results
from .schema_report import schema_section
from .tables import markdown_table as _table
from .targets import Verdict, evaluate

COMMAND = "uv run python -m benchmarks"

STRATEGY_LABELS = {
    "floor": "Floor: async test, no database",
    "async_fixture": "Breakdown: one no-op async fixture",
    "begin_rollback": "Breakdown: BEGIN + ROLLBACK on the worker's connection",
    "db_session_idle": "`db_session`, no work (fixture overhead)",
    "db_session": "`db_session` + the work",
    "fresh_file": "Fresh database file + schema per test + the work",
    "in_memory": "In-memory database + schema per test + the work",
    "delete_all": "Shared database, delete all rows after each test + the work",
    "guide_db_session": "`db_session` + the guide's example test",
    "guide_fresh_file": "Fresh database file + schema per test + the guide's example test",
    "django_floor": "pytest-django: test without the database (floor)",
    "django_db_idle": "pytest-django: `django_db`, no work (fixture overhead)",
    "django_guide": "pytest-django: `django_db` + the guide's example test",
    "django_work": "pytest-django: `django_db` + the work",
    "sqla_floor": "pytest-sqla: async test, no database (floor)",
    "sqla_session_idle": "pytest-sqla: `sqla_async_session`, no work (fixture overhead)",
    "sqla_guide": "pytest-sqla: `sqla_async_session` + the guide's example test",
    "sqla_work": "pytest-sqla: `sqla_async_session` + the work",
}
THREAD_LABEL = " (aiosqlite's thread: `pyramid_sqlite_inline = false`)"


def label(strategy: str) -> str:
    if strategy.startswith(THREAD_PREFIX):
        return STRATEGY_LABELS[strategy.removeprefix(THREAD_PREFIX)] + THREAD_LABEL
    return STRATEGY_LABELS[strategy]


def console_table(results: Results) -> str:
    """The figures and targets as aligned plain text."""
    rows = [("Per-test cost (median)", "ms", "")]
    rows += [
        (label(cost.strategy).replace("`", ""), f"{cost.median_ms:.2f}", "")
        for cost in results.strategies
    ]
    suite = results.suite
    rows += [
        ("Whole suite", "", ""),
        ("Render the template (copier)", f"{suite.render_seconds:.2f} s", ""),
        (f"Default suite, {suite.tests} tests", f"{suite.run_seconds:.2f} s", ""),
        ("Its collection (--collect-only)", f"{suite.collect_seconds:.2f} s", ""),
        ("Targets", "measured", "status (before: aiosqlite's thread)"),
    ]
    rows += [
        (verdict.target, verdict.measured, f"{verdict.status} (before: {verdict.before})")
        for verdict in evaluate(results)
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    return "\n".join(
        f"{row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]}".rstrip() for row in rows
    )


def write_markdown(results: Results, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown(results))


def markdown(results: Results) -> str:
    verdicts = evaluate(results)
    sections = [
        _header(results),
        _targets(verdicts),
        _isolation(results),
        _scaling(results),
        _suite(results),
        _guards(results),
        schema_section(results),
        _method(results),
        _machine(results),
    ]
    return "\n\n".join(sections) + "\n"


def _header(results: Results) -> str:
    quick = (
        "\n\n> **Quick run**: a few tests per measurement, to check the benchmark works. "
        "Its numbers are not meaningful (and its default suite leaves out `tests/e2e`); "
        "run the full benchmark for real figures."
        if results.size == "quick"
        else ""
    )
    return (
        "# Performance of the generated test suite\n\n"
        f"Measured by `{COMMAND}` ({results.size} run, {results.started}, "
        f"{results.elapsed_seconds:.0f} s). Absolute times depend on the machine; the "
        "targets are ratios of numbers measured side by side in the same run, so they "
        f"carry over. Rerun the command from the repository root to refresh this page.{quick}"
    )


def _targets(verdicts: list[Verdict]) -> str:
    rows = [(v.target, v.goal, v.measured, f"**{v.status}**", v.before) for v in verdicts]
    header = ("Target", "Goal", "Measured", "Status", "Before: on aiosqlite's thread")
    return (
        "## Targets\n\n"
        + _table(header, rows)
        + '\n\n"Before" is the same ratio, measured in the same run, with the test '
        "connection's SQLite calls on aiosqlite's thread (`-o pyramid_sqlite_inline=false`), "
        "as every run was before the fast path; the peers are the same in both columns."
    )


def _isolation(results: Results) -> str:
    floor = results.cost_ms("floor")
    session = results.cost_ms("db_session")
    rows = [
        (
            label(cost.strategy),
            str(cost.tests),
            f"{cost.median_ms:.2f}",
            f"{cost.median_ms - floor:+.2f}",
            f"{cost.median_ms / session:.2f}x",
        )
        for cost in results.strategies
        if cost.strategy in STRATEGY_LABELS and not cost.strategy.startswith(("django", "sqla"))
    ]
    overhead = results.cost_ms("db_session_idle") - floor
    asyncio_part = results.cost_ms("async_fixture") - floor
    transaction_part = results.cost_ms("begin_rollback") - results.cost_ms("async_fixture")
    work = session - results.cost_ms("db_session_idle")
    fresh_isolation = results.cost_ms("fresh_file") - work - floor
    return (
        "## Per-test cost of isolation strategies\n\n"
        "Every strategy does the same work: save a track with an artist and a playlist, "
        "commit, read the playlist back with its tracks. Setup + call + teardown, median. "
        "The fresh-file and in-memory rows are context, not targets: nobody picks them "
        "for speed.\n\n"
        + _table(("Strategy", "Tests", "Median ms", "Over floor", "÷ db_session"), rows)
        + "\n\n**What it means for you.** `db_session` costs about "
        f"{overhead:.2f} ms per test over a test that touches no database; of that, "
        f"{asyncio_part:.2f} ms is pytest-asyncio running one async fixture and "
        f"{transaction_part:.2f} ms is BEGIN + ROLLBACK on the worker's connection. "
        "The rest is the session and the guard "
        "(parts under about 0.1 ms are within the run's noise). Rebuilding the schema per "
        "test (fresh file or "
        f"in-memory) costs {results.cost_ms('fresh_file') / session:.1f}x and "
        f"{results.cost_ms('in_memory') / session:.1f}x as much as `db_session` for the same "
        "work; deleting every row after each test costs "
        f"{results.cost_ms('delete_all') / session:.1f}x and does not protect against rows "
        "committed by a crashed test. Counting isolation alone (a strategy's cost minus the "
        f"work, {work:.2f} ms, and the floor), a fresh file costs {fresh_isolation:.2f} ms "
        f"per test against `db_session`'s {overhead:.2f} ms." + peers_section(results)
    )


def _scaling(results: Results) -> str:
    scaling, parallel = results.scaling, results.parallel
    speed_up = parallel.serial_seconds / parallel.two_workers_seconds
    rows = [
        (f"{scaling.small_tests:,} tests, -n 0", f"{scaling.small_median_ms:.2f} ms", ""),
        (f"{scaling.large_tests:,} tests, -n 0", f"{scaling.large_median_ms:.2f} ms", ""),
        (
            f"{parallel.tests:,} tests, wall time",
            f"-n 0: {parallel.serial_seconds:.1f} s",
            f"-n 2: {parallel.two_workers_seconds:.1f} s ({speed_up:.2f}x)",
        ),
    ]
    return (
        "## Scaling and parallel workers\n\n"
        "Integration tests that each use `db_session` and do the work above.\n\n"
        + _table(("Run", "Per-test median / wall", "Parallel"), rows)
        + f"\n\n**What it means for you.** {_scaling_meaning(results)} {_parallel_meaning(results)}"
    )


def _scaling_meaning(results: Results) -> str:
    scaling = results.scaling
    growth = scaling.large_median_ms / scaling.small_median_ms - 1
    if abs(growth) <= 0.10:
        return (
            f"Per-test cost moved {growth:+.1%} from {scaling.small_tests:,} to "
            f"{scaling.large_tests:,} tests: each test rolls back, nothing accumulates, so "
            "suite time grows linearly with the number of tests."
        )
    return (
        f"Per-test cost moved {growth:+.1%} from {scaling.small_tests:,} to "
        f"{scaling.large_tests:,} tests: something accumulates between tests (rows that "
        "escape the rollback, growing caches) or the machine's load changed during the run."
    )


def _parallel_meaning(results: Results) -> str:
    parallel, machine = results.parallel, results.machine
    speed_up = parallel.serial_seconds / parallel.two_workers_seconds
    busy = max(machine.load_before[0], machine.load_after[0])
    text = (
        f"`-n 2` ran the same tests {speed_up:.2f}x as fast: each worker has its own database "
        "and connection, and pays its own start-up (importing the project and plugins)."
    )
    if busy > machine.usable_cpus:
        text += (
            f" During this run the load average reached {busy:.1f} on {machine.usable_cpus} "
            "CPUs: other processes took CPU time the two workers needed, so expect more on an "
            "idle machine."
        )
    return text


def _suite(results: Results) -> str:
    suite = results.suite
    share = suite.collect_seconds / suite.run_seconds
    rows = [
        ("Render the template (`copier copy`, no install)", f"{suite.render_seconds:.2f} s"),
        (f"Default suite (`pytest`, {suite.tests} tests)", f"{suite.run_seconds:.2f} s"),
        ("Its collection only (`pytest --collect-only`)", f"{suite.collect_seconds:.2f} s"),
    ]
    rows += [
        (f"Tests in `tests/{tier}/` (setup + call + teardown)", f"{seconds:.2f} s")
        for tier, seconds in sorted(suite.seconds_by_tier.items())
    ]
    slowest = max(suite.seconds_by_tier, key=suite.seconds_by_tier.__getitem__)
    return (
        "## Whole suite\n\n"
        + _table(("Measure", "Wall time"), rows)
        + f"\n\n**What it means for you.** Start-up and collection are {share:.0%} of the "
        f"default run. Of the time in tests, `tests/{slowest}/` takes the most: that is "
        "where to look first when the suite feels slow. Collection is mostly imports "
        "(pytest and its plugins, SQLAlchemy, FastAPI for the route tests). In `tests/e2e/`, "
        "each CLI call is a process of its own, forked from one that imported the CLI "
        "once (`tests/e2e/cli_forks.py`): starting the installed command costs about "
        "0.3 s a call, most of it imports, and one test still pays it to cover the console "
        "script; the API test's time is mostly starting uvicorn."
    )


def _guards(results: Results) -> str:
    guards = results.guards
    if not guards.available:
        return (
            "## Guards\n\n"
            "Not available: the rendered project has no `pyramid_guards` ini switch, so the "
            "suite could not be run without its guards."
        )
    rows = [
        (
            f"`tests/{tier}/`, sum of per-test medians",
            f"{guards.on_total_ms_by_tier[tier]:.1f} ms",
            f"{guards.off_total_ms_by_tier.get(tier, 0.0):.1f} ms",
            f"{guards.on_total_ms_by_tier[tier] / guards.off_total_ms_by_tier[tier] - 1:+.1%}",
        )
        for tier in sorted(guards.on_total_ms_by_tier)
        if guards.off_total_ms_by_tier.get(tier)
    ]
    rows += [
        ("Median per test", f"{guards.on_median_ms:.3f} ms", f"{guards.off_median_ms:.3f} ms", ""),
        ("Mean per test", f"{guards.on_mean_ms:.3f} ms", f"{guards.off_mean_ms:.3f} ms", ""),
    ]
    excluded = "".join(f"\n- `{node_id}`" for node_id in guards.excluded)
    if excluded:
        excluded = (
            "\n\nLeft out of both sides: these tests prove a guard fires, so they fail "
            f"with the guards off:{excluded}"
        )
    return (
        "## Guards\n\n"
        f"The default suite ({guards.tests} tests) as shipped, and with "
        "`-o pyramid_guards=false`, alternating rounds with the same random seed."
        f"{excluded}\n\n"
        + _table(("Per-test cost", "Guards on", "Guards off", "Change"), rows)
        + "\n\nEach test's cost is its median over the rounds, so one noisy round does not "
        "move it; the target compares the sums, which is how much longer the suite takes."
        + f"\n\n**What it means for you.** The guards (lock prevention, unit purity, the "
        "production guard, the hang guard and the budgets) change the suite's per-test cost "
        f"by {guards.added:+.1%}"
        + (": within this run's noise, so nothing measurable." if guards.added < 0.02 else ".")
    )
