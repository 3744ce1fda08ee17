"""How big each measurement is: the full run, and the tiny one the template's tests use."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sizes:
    """Test counts and repetitions; more of them means steadier medians, longer runs."""

    name: str
    tests_per_strategy: int
    isolation_rounds: int
    small_suite: int
    large_suite: int
    parallel_rounds: int
    suite_rounds: int
    render_rounds: int
    schema_rounds: int
    """Rounds of the one-off runs: no database, migrations, create_all."""
    schema_tests: int
    schema_test_rounds: int
    startup_rounds: int
    """Runs of one unit file each way: with the suite, and bare (``startup``)."""
    suite_arguments: tuple[str, ...] = ()


FULL = Sizes(
    name="full",
    tests_per_strategy=200,
    isolation_rounds=10,
    small_suite=300,
    large_suite=3000,
    parallel_rounds=2,
    suite_rounds=5,
    render_rounds=3,
    schema_rounds=15,
    schema_tests=200,
    schema_test_rounds=10,
    startup_rounds=15,
)

QUICK = Sizes(
    name="quick",
    tests_per_strategy=3,
    isolation_rounds=1,
    small_suite=6,
    large_suite=20,
    parallel_rounds=1,
    suite_rounds=1,
    render_rounds=1,
    schema_rounds=1,
    schema_tests=3,
    schema_test_rounds=1,
    startup_rounds=1,
    suite_arguments=("--ignore=tests/e2e",),  # the slowest tier; quick only checks it all works
)
