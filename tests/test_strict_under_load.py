"""``--pyramid-strict`` on a machine kept busy: fast tests pass, slow ones still fail.

A hosted CI runner is a small machine shared with other work. The test keeps
every core busy with four CPU-bound processes of its own while the default
render's suite runs strictly with three tests planted in its unit tier, one
that computes for 150 ms, one that sleeps for 150 ms and one that hands 150 ms
of computing to a worker thread: those three, and only those, must fail. The
run takes the tiers that have a budget (unit, integration); the E2E tier has
none and would only spend the minute starting subprocesses.

A fast test used to fail here about one run in six: a full garbage collection
(about 80 ms of walking the whole heap) tripped inside it was charged as its
computing. One run of the bare render would rarely show that, and ten runs
cost ten minutes of a busy machine, so the run also plants twenty unit tests
that each keep a batch of objects, as a growing cache does, and wait 70 ms (a
retry's pause, say; waiting costs a loaded machine nothing): their allocations
trip about four full collections inside the unit tier in every run, and
charging any of them to its test fails the run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from harness.project import GeneratedProject

pytestmark = pytest.mark.field

HOGS_PER_CORE = 4
PLANTED = "tests/unit/domain/test_planted_slow.py"
REGISTRY = "tests/unit/domain/test_planted_registry.py"
REGISTRY_TESTS = """
import time

import pytest

REGISTRY: list[list[int]] = []


@pytest.mark.parametrize("batch", range(20))
def test_registers_a_batch_then_waits_70_ms(batch: int) -> None:
    REGISTRY.extend([batch] for _ in range(20_000))
    time.sleep(0.07)
"""
PLANTED_TESTS = """
import asyncio
import time


def spin(seconds: float) -> None:
    used = time.thread_time()
    while time.thread_time() - used < seconds:
        pass


def test_computes_for_150_ms() -> None:
    spin(0.15)


def test_sleeps_for_150_ms() -> None:
    time.sleep(0.15)


async def test_computes_for_150_ms_in_a_worker_thread() -> None:
    await asyncio.to_thread(spin, 0.15)
"""
FINDING = re.compile(
    r"^(?P<nodeid>\S+): unit test took \d+ ms "
    r"\((?P<computing>\d+) ms computing, (?P<waiting>\d+) ms waiting\), budget 100 ms",
    re.MULTILINE,
)


@contextmanager
def busy_machine(per_core: int) -> Iterator[None]:
    """Every core kept busy by ``per_core`` spinning processes, killed on the way out."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    hogs: list[subprocess.Popen[bytes]] = []
    try:
        for _ in range(per_core * (cores or 1)):
            hogs.append(subprocess.Popen([sys.executable, "-c", "while True: pass"]))
        yield
    finally:
        for hog in hogs:
            hog.kill()
        for hog in hogs:
            hog.wait()


def test_strict_run_under_load_fails_exactly_the_unit_tests_that_compute_or_wait(
    scratch_project: GeneratedProject,
) -> None:
    scratch_project.write(PLANTED, PLANTED_TESTS)
    scratch_project.write(REGISTRY, REGISTRY_TESTS)

    with busy_machine(HOGS_PER_CORE):
        run = scratch_project.pytest("--pyramid-strict", "-m", "unit or integration")

    assert "INTERNALERROR" not in run.output
    assert run.outcomes.get("failed", 0) == 0, run.output
    assert run.outcomes.get("error") == 3, run.output
    assert run.outcomes["passed"] > 120
    failing = re.findall(r"^ERROR (\S+)", run.output, re.MULTILINE)
    assert sorted(failing) == [
        f"{PLANTED}::test_computes_for_150_ms",
        f"{PLANTED}::test_computes_for_150_ms_in_a_worker_thread",
        f"{PLANTED}::test_sleeps_for_150_ms",
    ], run.output
    findings = {
        match["nodeid"].split("::")[-1]: (int(match["computing"]), int(match["waiting"]))
        for match in FINDING.finditer(run.output)
    }
    for computes in ("test_computes_for_150_ms", "test_computes_for_150_ms_in_a_worker_thread"):
        computing, waiting = findings[computes]
        assert computing > waiting, run.output
    computing, waiting = findings["test_sleeps_for_150_ms"]
    assert waiting > computing, run.output
