"""The rendered project's own suite passes, selects by marker, and is pyramid-shaped.

The whole default suite runs once (``default_run``: two workers, one random seed);
the tests here read that run, and start only the small runs it cannot stand for.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from harness.project import GeneratedProject
from harness.sharing import collected_ids
from harness.suite_run import SuiteRun

DESELECTED_BY_DEFAULT = ("slow", "performance", "diagnostic")
# Strict shape checks without strict budgets, which a loaded machine can trip.
NO_BUDGETS = ("-o", "pyramid_unit_budget_ms=60000", "-o", "pyramid_integration_budget_ms=60000")


def tier_counts(node_ids: list[str]) -> Counter[str]:
    return Counter(node_id.split("/")[1] for node_id in node_ids)


def test_default_selection_passes_without_slow_performance_or_diagnostic_tests(
    default_project: GeneratedProject, default_run: SuiteRun
) -> None:
    run = default_run.run
    selected = set(collected_ids(default_project))

    assert run.returncode == 0, run.output
    assert run.outcomes["passed"] >= 80
    assert "failed" not in run.outcomes
    assert "error" not in run.outcomes
    assert run.nodeids("PASSED") == selected


def test_suite_passes_in_random_order_with_two_workers(default_run: SuiteRun) -> None:
    run = default_run.run

    assert run.returncode == 0, run.output
    assert re.search(rf"randomly-seed={default_run.seed}\b", run.output)
    assert re.search(r"created: 2/2 workers", run.output), run.output
    assert "failed" not in run.outcomes


@pytest.mark.render
def test_empty_marker_expression_runs_every_test_including_deselected_ones(
    default_project: GeneratedProject,
) -> None:
    default = collected_ids(default_project)
    everything = collected_ids(default_project, "-m", "")
    extra = set(everything) - set(default)
    assert len(extra) >= len(DESELECTED_BY_DEFAULT)

    for marker in DESELECTED_BY_DEFAULT:
        marked = collected_ids(default_project, "-m", marker)
        assert marked, f"no example test is marked {marker}"
        assert set(marked) <= extra
    run = default_project.pytest("-m", "", *sorted(extra))
    assert run.returncode == 0, run.output
    assert run.outcomes["passed"] == len(extra)


@pytest.mark.render  # the tier markers by folder are also checked in-process
def test_unit_marker_selects_exactly_the_unit_folder(default_project: GeneratedProject) -> None:
    unit = collected_ids(default_project, "-m", "unit")

    assert unit
    assert all(node_id.startswith("tests/unit/") for node_id in unit)
    assert set(unit) == {i for i in collected_ids(default_project) if i.startswith("tests/unit/")}


@pytest.mark.render  # the shape plugin's partial runs are also checked in-process
def test_a_unit_only_run_passes_and_is_a_partial_run(default_project: GeneratedProject) -> None:
    unit = collected_ids(default_project, "-m", "unit")
    run = default_project.pytest(
        "-m", "unit", "--pyramid-strict", *NO_BUDGETS, "-o", "pyramid_target=98/1/1"
    )
    assert run.returncode == 0, run.output
    assert run.outcomes["passed"] == len(unit)
    assert "partial run (-m 'unit'): shape not judged" in run.output


def test_default_collection_is_shaped_like_the_pyramid(default_project: GeneratedProject) -> None:
    counts = tier_counts(collected_ids(default_project))
    total = sum(counts.values())
    shares = {tier: 100 * counts[tier] / total for tier in ("unit", "integration", "e2e")}

    assert set(counts) == {"unit", "integration", "e2e"}
    assert shares["unit"] == pytest.approx(60, abs=5)
    assert shares["integration"] == pytest.approx(35, abs=5)
    assert shares["e2e"] == pytest.approx(5, abs=3)
