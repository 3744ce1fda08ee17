"""What a test is charged against its tier's budget, computed in-process from fake clocks.

``clocks.py`` and ``budgets.py`` are plain Python in the template; their arithmetic
(run delay and full garbage collections subtracted, never below the CPU time,
shared teardowns left out) is
checked here with readings made up by hand, so no test depends on the machine's load.
"""

from __future__ import annotations

import gc
import threading
from types import ModuleType
from typing import Any

import pytest

from harness.plugin_modules import load_plugin


@pytest.fixture(scope="module")
def clocks() -> ModuleType:
    return load_plugin("clocks")


@pytest.fixture(scope="module")
def budgets() -> ModuleType:
    return load_plugin("budgets")


class FakeItem:
    """The parts of a ``pytest.Item`` the budget keeper reads: its tier and its markers."""

    def __init__(self, tier: str | None, *markers: str) -> None:
        self.nodeid = "tests/unit/test_x.py::test_x"
        self.tier = tier
        self.stash = pytest.Stash()
        if tier is not None:
            self.stash[load_plugin("tiers").tier_key] = tier
        self.markers = set(markers)

    def get_closest_marker(self, name: str) -> object | None:
        return name if name in self.markers else None


def usage(clocks: ModuleType, wall: float, cpu: float, queued: float | None) -> Any:
    """The usage between two readings ``wall`` s apart, ``queued`` s of them waiting for a CPU."""
    start = clocks.Clocks(10.0, 1.0, None if queued is None else {1: 5.0})
    end = clocks.Clocks(10.0 + wall, 1.0 + cpu, None if queued is None else {1: 5.0 + queued})
    measured = clocks.Usage()
    measured.add(start, end)
    return measured


def test_time_spent_waiting_for_a_cpu_is_not_charged(clocks: ModuleType) -> None:
    measured = usage(clocks, wall=0.300, cpu=0.002, queued=0.290)

    assert measured.charged == pytest.approx(0.010)


def test_a_test_is_charged_at_least_the_cpu_it_used(clocks: ModuleType) -> None:
    measured = usage(clocks, wall=0.300, cpu=0.250, queued=0.200)

    assert measured.charged == pytest.approx(0.250)


def test_without_run_delays_the_wall_time_is_charged(clocks: ModuleType) -> None:
    measured = usage(clocks, wall=0.300, cpu=0.002, queued=None)

    assert not measured.queue_known
    assert measured.charged == pytest.approx(0.300)


def test_threads_that_appear_during_the_span_count_from_zero(clocks: ModuleType) -> None:
    start = clocks.Clocks(0.0, 0.0, {1: 1.0})
    end = clocks.Clocks(1.0, 0.1, {1: 1.2, 2: 0.3})
    measured = clocks.Usage()

    measured.add(start, end)

    assert measured.queued == pytest.approx(0.5)


def test_a_span_added_with_a_negative_sign_is_taken_back(clocks: ModuleType) -> None:
    start, end = clocks.Clocks(0.0, 0.0, {1: 0.0}), clocks.Clocks(1.0, 0.5, {1: 0.25})
    measured = clocks.Usage()

    measured.add(start, end)
    measured.add(start, end, sign=-1.0)

    assert (measured.wall, measured.cpu, measured.queued) == (0.0, 0.0, 0.0)


def test_usages_add_up_and_an_unknown_queue_stays_unknown(clocks: ModuleType) -> None:
    known, unknown = clocks.Usage(1.0, 0.5, 0.25), clocks.Usage(2.0, 1.0, 0.0, queue_known=False)

    total = known.plus(unknown)

    assert (total.wall, total.cpu, total.queued, total.queue_known) == (3.0, 1.5, 0.25, False)


def test_a_teardown_of_shared_fixtures_is_left_out_of_the_tests_own_time(
    budgets: ModuleType, clocks: ModuleType
) -> None:
    phases, teardown = clocks.Usage(0.05, 0.05, 0.0), clocks.Usage(2.0, 0.1, 0.0)

    alone = budgets.Timing(phases, teardown)
    shared = budgets.Timing(phases, teardown, shared_teardown_ran=True)

    assert alone.own.wall == pytest.approx(2.05)
    assert shared.own.wall == pytest.approx(0.05)


@pytest.mark.parametrize(
    ("item", "charged", "over"),
    [
        pytest.param(FakeItem("unit"), 0.150, True, id="unit-over"),
        pytest.param(FakeItem("unit"), 0.100, False, id="unit-at-budget"),
        pytest.param(FakeItem("integration"), 0.900, False, id="integration-under"),
        pytest.param(FakeItem("integration"), 1.2, True, id="integration-over"),
        pytest.param(FakeItem("e2e"), 60.0, False, id="e2e-has-no-budget"),
        pytest.param(FakeItem(None), 60.0, False, id="untiered-has-no-budget"),
        pytest.param(FakeItem("unit", "slow"), 5.0, False, id="slow-is-exempt"),
        pytest.param(FakeItem("unit", "performance"), 5.0, False, id="performance-is-exempt"),
    ],
)
def test_only_tiered_unexempt_tests_over_their_budget_are_found(
    budgets: ModuleType, clocks: ModuleType, item: FakeItem, charged: float, over: bool
) -> None:
    keeper = budgets.BudgetKeeper({"unit": 0.1, "integration": 1.0}, strict=False, enabled=True)
    timing = budgets.Timing(clocks.Usage(charged, 0.001, 0.0))
    budget = {"unit": 0.1, "integration": 1.0}.get(item.tier or "")

    finding = keeper.check(item, timing)
    keeper.pytest_unconfigure()

    assert (finding is not None) == over
    if over:
        assert (finding.tier, finding.seconds, finding.budget) == (item.tier, charged, budget)


def test_the_finding_splits_the_time_and_names_the_fix(budgets: ModuleType) -> None:
    finding = budgets.OverBudget("tests/unit/test_x.py::test_x", "unit", 0.25, 0.1, 0.05)

    assert finding.describe() == (
        "tests/unit/test_x.py::test_x: unit test took 250 ms (50 ms computing, 200 ms waiting), "
        "budget 100 ms. Fix: make it faster (mock what is slow, never wait), mark it "
        "@pytest.mark.slow, or move it to tests/integration/"
    )


def test_cpu_time_above_the_charged_time_never_shows_a_negative_wait(budgets: ModuleType) -> None:
    finding = budgets.OverBudget("t.py::t", "integration", 1.5, 1.0, 2.0)

    assert "(1500 ms computing, 0 ms waiting), budget 1000 ms" in finding.describe()


def test_a_full_collection_on_the_tests_thread_is_neither_computing_nor_charged(
    clocks: ModuleType,
) -> None:
    start = clocks.Clocks(0.0, 0.0, {1: 0.0}, {1: 0.5}, thread=1)
    end = clocks.Clocks(0.100, 0.095, {1: 0.0}, {1: 0.585}, thread=1)
    measured = clocks.Usage()

    measured.add(start, end)

    assert measured.cpu == pytest.approx(0.010)
    assert measured.charged == pytest.approx(0.015)


def test_a_full_collection_on_a_helper_thread_is_taken_out_of_the_wait_only(
    clocks: ModuleType,
) -> None:
    start = clocks.Clocks(0.0, 0.0, {1: 0.0, 2: 0.0}, {}, thread=1)
    end = clocks.Clocks(0.120, 0.010, {1: 0.0, 2: 0.010}, {2: 0.090}, thread=1)
    measured = clocks.Usage()

    measured.add(start, end)

    assert measured.cpu == pytest.approx(0.010)
    assert measured.charged == pytest.approx(0.020)


def test_without_run_delays_a_full_collection_is_still_left_out(clocks: ModuleType) -> None:
    start = clocks.Clocks(0.0, 0.0, None, {}, thread=1)
    end = clocks.Clocks(0.300, 0.100, None, {1: 0.085}, thread=1)
    measured = clocks.Usage()

    measured.add(start, end)

    assert measured.charged == pytest.approx(0.215)


def test_a_test_that_computes_past_a_collection_is_still_charged_its_own_work(
    clocks: ModuleType,
) -> None:
    start = clocks.Clocks(0.0, 0.0, {1: 0.0}, {}, thread=1)
    end = clocks.Clocks(0.235, 0.235, {1: 0.0}, {1: 0.085}, thread=1)
    measured = clocks.Usage()

    measured.add(start, end)

    assert measured.charged == pytest.approx(0.150)


def test_collections_count_only_full_ones_per_thread(clocks: ModuleType) -> None:
    collections = clocks.Collections()

    collections.on_collection("start", {"generation": 0})
    collections.on_collection("stop", {"generation": 0, "collected": 0, "uncollectable": 0})
    collections.on_collection("stop", {"generation": 2, "collected": 0, "uncollectable": 0})

    assert collections.read() == {}


def test_a_real_full_collection_is_counted_on_this_thread_and_young_ones_are_not(
    clocks: ModuleType,
) -> None:
    collections = clocks.Collections()
    collections.install()
    try:
        gc.collect(0)
        young = collections.read()
        gc.collect()
        full = collections.read()
    finally:
        collections.remove()

    assert young == {}
    assert list(full) == [threading.get_native_id()]
    assert collections.on_collection not in gc.callbacks


def test_the_keeper_stops_listening_to_collections_when_the_run_ends(budgets: ModuleType) -> None:
    keeper = budgets.BudgetKeeper({"unit": 0.1}, strict=True, enabled=True)
    listening = keeper.collections.on_collection in gc.callbacks

    keeper.pytest_unconfigure()

    assert listening
    assert keeper.collections.on_collection not in gc.callbacks


def test_what_a_worker_thread_computes_is_charged_even_when_run_delays_overlap(
    clocks: ModuleType,
) -> None:
    # Measured in an xdist worker on a busy machine: the worker thread queued
    # 2.49 s to compute 0.15 s while the test's thread queued too.
    start = clocks.Clocks(0.0, 0.0, {1: 0.0, 2: 0.0}, {}, thread=1, ran={1: 0.0, 2: 0.0})
    end = clocks.Clocks(2.651, 0.002, {1: 0.084, 2: 2.492}, {}, thread=1, ran={1: 0.002, 2: 0.15})
    measured = clocks.Usage()

    measured.add(start, end)

    assert measured.helpers_cpu == pytest.approx(0.15)
    assert measured.charged == pytest.approx(0.152)


def test_a_helper_threads_full_collection_is_not_charged_as_its_computing(
    clocks: ModuleType,
) -> None:
    start = clocks.Clocks(0.0, 0.0, {1: 0.0, 2: 0.0}, {}, thread=1, ran={2: 0.0})
    end = clocks.Clocks(0.1, 0.001, {1: 0.0, 2: 0.0}, {2: 0.08}, thread=1, ran={2: 0.09})
    measured = clocks.Usage()

    measured.add(start, end)

    assert measured.helpers_cpu == pytest.approx(0.01)


def test_run_delays_leave_out_the_suites_idle_watcher_thread(clocks: ModuleType) -> None:
    release = threading.Event()
    watcher = threading.Thread(target=release.wait, name="exit-when-orphaned", daemon=True)
    watcher.start()
    delays = clocks.RunDelays()
    try:
        queued = delays.read()
    finally:
        release.set()
        watcher.join()
        delays.close()

    assert queued is not None
    assert threading.get_native_id() in queued
    assert watcher.native_id not in queued
    assert set(delays.ran) == set(queued)


def test_clocks_are_read_again_until_no_wait_for_the_cpu_fell_around_them(
    clocks: ModuleType,
) -> None:
    delays = iter([1.0, 1.03, 1.03])  # preempted for 30 ms around the first reading
    readings = iter([(10.0, 0.5), (10.031, 0.5)])

    wall, cpu, delay = clocks.read_between(lambda: next(delays), lambda: next(readings))

    assert (wall, cpu, delay) == (10.031, 0.5, 1.03)


def test_without_run_delays_the_clocks_are_read_once(clocks: ModuleType) -> None:
    readings = iter([(10.0, 0.5)])

    assert clocks.read_between(lambda: None, lambda: next(readings)) == (10.0, 0.5, None)


def test_a_real_reading_gives_this_threads_run_delay_with_the_others(clocks: ModuleType) -> None:
    delays = clocks.RunDelays()
    try:
        reading = clocks.Clocks.stop(delays)
    finally:
        delays.close()

    assert reading.queued is not None
    assert reading.thread == threading.get_native_id()
    assert reading.thread in reading.queued
    assert reading.thread in reading.ran
