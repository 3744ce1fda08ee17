"""One benchmark run: render the template, then take every measurement in turn."""

from __future__ import annotations

import dataclasses
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from harness.project import GeneratedProject

from .experiments import measure_render, measure_scaling_and_parallel, measure_suite_and_guards
from .isolation import measure_isolation
from .machine import describe_machine, load_average
from .results import Results
from .schema_build import measure_schema_builds
from .settings import Sizes
from .startup import measure_startup


def run_benchmark(sizes: Sizes, workdir: Path, project: GeneratedProject | None = None) -> Results:
    """Render and install the template (unless given a project), then measure it."""
    started = time.perf_counter()
    started_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    workdir.mkdir(parents=True, exist_ok=True)
    if project is None:
        _progress(f"rendering and installing the template into {workdir}")
        project = GeneratedProject.create(workdir / "project")
    machine = describe_machine(project)
    _progress("timing the render")
    render_seconds = measure_render(sizes)
    _progress(
        f"isolation strategies and peers, {sizes.tests_per_strategy} tests each, "
        f"{sizes.isolation_rounds} round(s)"
    )
    strategies = measure_isolation(project, workdir, sizes)
    _progress(f"scaling ({sizes.small_suite} and {sizes.large_suite} tests) and -n 2")
    scaling, parallel = measure_scaling_and_parallel(project, workdir, sizes)
    _progress(f"default suite, {sizes.suite_rounds} round(s), guards on and off")
    suite, guards = measure_suite_and_guards(project, workdir, sizes, render_seconds)
    _progress(
        f"schema build, migrations vs create_all: {sizes.schema_rounds} one-off round(s), "
        f"{sizes.schema_tests} tests x {sizes.schema_test_rounds} round(s)"
    )
    schema_builds = measure_schema_builds(project, workdir, sizes)
    _progress(f"unit-file start-up, with the suite and bare, {sizes.startup_rounds} round(s)")
    startup = measure_startup(project, sizes.startup_rounds)
    return Results(
        size=sizes.name,
        started=started_at,
        elapsed_seconds=time.perf_counter() - started,
        machine=dataclasses.replace(machine, load_after=load_average()),
        strategies=strategies,
        scaling=scaling,
        parallel=parallel,
        suite=suite,
        guards=guards,
        schema_builds=schema_builds,
        startup=startup,
    )


def _progress(message: str) -> None:
    print(f"benchmark: {message}...", file=sys.stderr, flush=True)
