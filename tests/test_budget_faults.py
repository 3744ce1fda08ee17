"""What a unit test is charged, on a quiet machine: its own work, waiting included; nothing else.

Planted in the unit tier of a copy of the default render and run with
``--pyramid-strict``: tests that block the event loop, or hand their computing
to a thread, are charged like any other 150 ms and fail; tests that trip a full
garbage collection of the whole heap (a cache that grows) or ask for one
themselves are charged their own few milliseconds and pass. The same run under
load is ``test_strict_under_load.py`` (field).
"""

from __future__ import annotations

import re

import pytest

from harness.project import GeneratedProject, PytestRun

pytestmark = pytest.mark.render

PLANTED = "tests/unit/domain/test_planted_budget_faults.py"
PLANTED_TESTS = """
import asyncio
import gc
import time

import pytest

KEPT: list[list[int]] = []


def spin(seconds: float) -> None:
    used = time.thread_time()
    while time.thread_time() - used < seconds:
        pass


async def test_blocks_the_event_loop_for_150_ms() -> None:
    time.sleep(0.15)


async def test_computes_150_ms_in_a_worker_thread() -> None:
    await asyncio.to_thread(spin, 0.15)


@pytest.mark.parametrize("batch", range(20))
def test_keeps_a_batch_and_waits_70_ms(batch: int) -> None:
    KEPT.extend([batch] for _ in range(20_000))
    time.sleep(0.07)


def test_asks_for_a_full_collection() -> None:
    gc.collect()
"""


@pytest.fixture(scope="module")
def project(
    default_project: GeneratedProject, tmp_path_factory: pytest.TempPathFactory
) -> GeneratedProject:
    project = default_project.clone(tmp_path_factory.mktemp("budgets") / "project")
    project.write(PLANTED, PLANTED_TESTS)
    return project


@pytest.fixture(scope="module")
def run(project: GeneratedProject) -> PytestRun:
    return project.pytest(PLANTED, "--pyramid-strict", "-p", "no:randomly")


@pytest.fixture(scope="module")
def two_workers(project: GeneratedProject) -> PytestRun:
    """In an xdist worker reaper.py's watcher thread waits for a CPU too, none of it the test's."""
    return project.pytest(PLANTED, "--pyramid-strict", "-n", "2")


def test_only_the_tests_that_compute_or_wait_150_ms_fail(run: PytestRun) -> None:
    failing = re.findall(r"^ERROR (\S+)", run.output, re.MULTILINE)

    assert "INTERNALERROR" not in run.output
    assert sorted(failing) == [
        f"{PLANTED}::test_blocks_the_event_loop_for_150_ms",
        f"{PLANTED}::test_computes_150_ms_in_a_worker_thread",
    ], run.output
    assert run.outcomes == {"passed": 23, "error": 2}, run.output


def test_with_two_workers_the_same_tests_fail(two_workers: PytestRun) -> None:
    failing = re.findall(r"^ERROR (\S+)", two_workers.output, re.MULTILINE)

    assert sorted(failing) == [
        f"{PLANTED}::test_blocks_the_event_loop_for_150_ms",
        f"{PLANTED}::test_computes_150_ms_in_a_worker_thread",
    ], two_workers.output


@pytest.mark.parametrize(
    ("test", "mostly"),
    [
        ("test_blocks_the_event_loop_for_150_ms", "waiting"),
        ("test_computes_150_ms_in_a_worker_thread", "computing"),
    ],
)
def test_the_finding_says_whether_the_test_computed_or_waited(
    run: PytestRun, test: str, mostly: str
) -> None:
    found = re.search(
        rf"^{re.escape(PLANTED)}::{test}: unit test took \d+ ms \((?P<computing>\d+) ms "
        r"computing, (?P<waiting>\d+) ms waiting\), budget 100 ms\.",
        run.output,
        re.MULTILINE,
    )

    assert found is not None, run.output
    other = "computing" if mostly == "waiting" else "waiting"
    assert int(found[mostly]) > int(found[other]), found.group(0)
