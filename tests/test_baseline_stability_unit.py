"""The day-one baseline comes out the same on every run: time budgets are never written to it.

Whether a test stays under its tier budget depends on the machine's load, so a
baseline that recorded budget findings would differ between two runs on a busy
machine. The budget keeper's report hook is driven here in-process with a
made-up finding: writing the baseline never records it nor fails the test, even
with ``--pyramid-strict``; a ``budget`` line written by hand still excuses it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.plugin_modules import load_plugin

NODEID = "tests/unit/test_x.py::test_slow_on_a_busy_machine"


class FakeConfig:
    def __init__(self) -> None:
        self.stash = pytest.Stash()


class FakeItem:
    def __init__(self) -> None:
        self.nodeid = NODEID
        self.config = FakeConfig()
        self.user_properties: list[tuple[str, object]] = []


class FakeReport:
    def __init__(self) -> None:
        self.outcome = "passed"
        self.failed = False
        self.longrepr: object = None
        self.user_properties: list[tuple[str, object]] = []


class FakeCall:
    when = "teardown"


def report_over_budget(
    baseline_text: str | None, tmp_path: Path, *, writing: bool, strict: bool
) -> FakeReport:
    """Run the keeper's teardown report for a test over its budget."""
    budgets, baseline_module = load_plugin("budgets"), load_plugin("baseline")
    path = tmp_path / "pyramid-baseline.txt"
    if baseline_text is not None:
        path.write_text(baseline_text)
    baseline = baseline_module.Baseline.load(path, writing=writing)
    item = FakeItem()
    item.config.stash[baseline_module.baseline_key] = baseline
    keeper = budgets.BudgetKeeper({"unit": 0.1}, strict=strict, enabled=True)
    keeper.current = budgets.Timing()
    keeper.check = lambda *_: budgets.OverBudget(NODEID, "unit", 0.4, 0.1)  # type: ignore[method-assign]
    report = FakeReport()
    hook = keeper.pytest_runtest_makereport(item, FakeCall())  # type: ignore[arg-type]
    next(hook)
    with pytest.raises(StopIteration):
        hook.send(report)
    keeper.delays.close()
    return report


def properties(report: FakeReport, property_name: str) -> list[object]:
    return [value for name, value in report.user_properties if name == property_name]


@pytest.mark.parametrize("strict", [False, True], ids=["listed", "strict"])
def test_writing_the_baseline_never_records_a_budget_finding(tmp_path: Path, strict: bool) -> None:
    report = report_over_budget(None, tmp_path, writing=True, strict=strict)

    assert properties(report, load_plugin("baseline").PROPERTY) == []
    assert report.outcome == "passed"
    assert properties(report, load_plugin("tiers").OVER_BUDGET_PROPERTY) != [], (
        "still listed in the run's summary"
    )


def test_a_budget_line_written_by_hand_still_excuses_the_test_under_strict(tmp_path: Path) -> None:
    report = report_over_budget(f"budget {NODEID}\n", tmp_path, writing=False, strict=True)

    assert report.outcome == "passed"
    assert [
        finding["guard"] for finding in properties(report, load_plugin("baseline").PROPERTY)
    ] == ["budget"]


def test_without_a_line_strict_fails_the_test_over_its_budget(tmp_path: Path) -> None:
    report = report_over_budget(None, tmp_path, writing=False, strict=True)

    assert report.outcome == "failed"
    assert str(report.longrepr).startswith("Over budget (--pyramid-strict): ")
