"""Migrations against ``create_all``: what building the test database costs, once and per test.

The generated suite builds the run's template database lazily, the first time a
test needs it: by ``alembic upgrade head``, or by ``metadata.create_all`` under
``--pyramid-create-all``. The one-off cost is the wall time of a run whose one
test needs the database, beside a run of one unit test (nothing is built);
the per-test cost is the median of many ``db_session`` tests run on a database
built each way. Runs compared alternate round by round, so a change
in machine load hits both sides alike.
"""

from __future__ import annotations

import os
import socket
import statistics
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from harness.project import GeneratedProject

from .durations import MeasuredTest, median_ms
from .generated_tests import (
    BENCHMARK_FOLDER,
    MODULE_HEADER,
    STRATEGIES,
    TEST,
    package_name,
    write_integration_tests,
)
from .runner import clone, timed_pytest
from .settings import Sizes

CREATE_ALL = "--pyramid-create-all"
KEEP_ORDER = "--randomly-dont-reorganize"
SERVER_VARIABLE = "TEST_DATABASE_URL"
NEEDS_DATABASE = "db_session_idle"
NEEDS_NO_DATABASE = "floor"
ONE_OFF_MODULES = {
    NEEDS_NO_DATABASE: "tests/unit/benchmark/test_one_off.py",
    NEEDS_DATABASE: f"{BENCHMARK_FOLDER}/test_one_off.py",
}
_PER_TEST = ("-n", "0", KEEP_ORDER, BENCHMARK_FOLDER)


@dataclass(frozen=True)
class SchemaBuild:
    """One database answer's figures; ``skipped`` says why there are none."""

    database: str
    skipped: str = ""
    rounds: int = 0
    no_database_ms: float = 0.0
    migrations_ms: float = 0.0
    create_all_ms: float = 0.0
    tests: int = 0
    migrations_per_test_ms: float = 0.0
    create_all_per_test_ms: float = 0.0
    migrations_first_test_ms: float = 0.0
    """The first test's setup builds the database: the build alone, inside the run."""
    create_all_first_test_ms: float = 0.0

    @property
    def measured(self) -> bool:
        return not self.skipped

    @property
    def one_off_difference_ms(self) -> float:
        """What building by migrations adds to a run, over ``create_all``."""
        return self.migrations_ms - self.create_all_ms

    @property
    def per_test_ratio(self) -> float:
        return self.migrations_per_test_ms / self.create_all_per_test_ms


def measure_schema_builds(
    project: GeneratedProject, workdir: Path, sizes: Sizes
) -> list[SchemaBuild]:
    """SQLite on the default render; PostgreSQL on a render of its own, if a server answers."""
    builds = [measure_schema_build(project, workdir, sizes, "sqlite")]
    unreachable = server_problem(os.environ.get(SERVER_VARIABLE, ""))
    if unreachable:
        builds.append(SchemaBuild("postgresql", skipped=unreachable))
        return builds
    postgresql = GeneratedProject.create(workdir / "project-postgresql", database="postgresql")
    builds.append(measure_schema_build(postgresql, workdir, sizes, "postgresql"))
    return builds


def measure_schema_build(
    project: GeneratedProject, workdir: Path, sizes: Sizes, database: str
) -> SchemaBuild:
    one_off = clone(project, workdir, f"schema-one-off-{database}")
    _write_one_off_tests(one_off)
    runs: dict[str, list[float]] = {"none": [], "migrations": [], "create_all": []}
    _one_off_run(one_off, "migrations")  # warm-up: the first run compiles the test module
    for round_number in range(sizes.schema_rounds):
        order = list(runs) if round_number % 2 == 0 else list(reversed(runs))
        for side in order:
            runs[side].append(_one_off_run(one_off, side))

    per_test = clone(project, workdir, f"schema-per-test-{database}")
    write_integration_tests(per_test, sizes.schema_tests)
    pooled: dict[str, list[MeasuredTest]] = {"migrations": [], "create_all": []}
    first: dict[str, list[MeasuredTest]] = {"migrations": [], "create_all": []}
    for round_number in range(sizes.schema_test_rounds):
        order = list(pooled) if round_number % 2 == 0 else list(reversed(pooled))
        for side in order:
            flags = (CREATE_ALL,) if side == "create_all" else ()
            run = timed_pytest(per_test, *_PER_TEST, *flags)
            first[side] += run.durations[:1]
            pooled[side] += _after_the_build(run.durations)
    migrations, create_all = pooled["migrations"], pooled["create_all"]
    return SchemaBuild(
        database=database,
        rounds=sizes.schema_rounds,
        no_database_ms=statistics.median(runs["none"]) * 1000,
        migrations_ms=statistics.median(runs["migrations"]) * 1000,
        create_all_ms=statistics.median(runs["create_all"]) * 1000,
        tests=len(migrations) // sizes.schema_test_rounds,
        migrations_per_test_ms=median_ms(migrations),
        create_all_per_test_ms=median_ms(create_all),
        migrations_first_test_ms=median_ms(first["migrations"]),
        create_all_first_test_ms=median_ms(first["create_all"]),
    )


def server_problem(url: str) -> str:
    """Why the PostgreSQL row cannot be measured ('' when a server listens at ``url``)."""
    if not url.strip():
        return f"{SERVER_VARIABLE} is not set"
    parts = urlsplit(url)
    host, port = parts.hostname or "localhost", parts.port or 5432
    try:
        with socket.create_connection((host, port), timeout=2):
            return ""
    except OSError as error:
        return f"no server answers at {host}:{port} ({SERVER_VARIABLE}): {error.strerror or error}"


def _write_one_off_tests(project: GeneratedProject) -> None:
    """A unit test (the unit tier never opens the database) and a ``db_session`` test."""
    header = MODULE_HEADER.substitute(
        package=package_name(project), description="one run's one-off cost of the test database"
    )
    for key, module in ONE_OFF_MODULES.items():
        fixture, body = STRATEGIES[key]
        test = TEST.substitute(key=key, number="00000", fixture=fixture, body=body)
        project.write(str(Path(module).parent / "__init__.py"), "")
        project.write(module, header + test)


def _one_off_run(project: GeneratedProject, side: str) -> float:
    """Wall seconds of a run of one test: no database, or one built by ``side``."""
    key = NEEDS_NO_DATABASE if side == "none" else NEEDS_DATABASE
    flags = (CREATE_ALL,) if side == "create_all" else ()
    node_id = f"{ONE_OFF_MODULES[key]}::test_{key}_00000"
    return timed_pytest(project, "-n", "0", *flags, node_id, per_test=False).wall_seconds


def _after_the_build(durations: list[MeasuredTest]) -> list[MeasuredTest]:
    """Leave out the run's first test: its setup builds the database (the one-off cost)."""
    return durations[1:]
