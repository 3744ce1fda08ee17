"""The pyramid report's arithmetic: targets, shares, tolerance and tiers, in-process.

``tiers.py`` is plain Python in the template, so its pure parts are checked
here without a render; the rendered suites check the hooks.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from harness.plugin_modules import load_plugin


@pytest.fixture(scope="module")
def tiers() -> ModuleType:
    return load_plugin("tiers")


def report_of(tiers: ModuleType, counts: dict[str, int], partial: str | None = None) -> Any:
    report = tiers.PyramidReport(None, {"unit": 60, "integration": 35, "e2e": 5}, 10.0, partial)
    report.counts.update(counts)
    return report


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("60/35/5", {"unit": 60.0, "integration": 35.0, "e2e": 5.0}),
        (" 70 / 20 / 10 ", {"unit": 70.0, "integration": 20.0, "e2e": 10.0}),
        ("33.34/33.33/33.33", {"unit": 33.34, "integration": 33.33, "e2e": 33.33}),
        ("100/0/0", {"unit": 100.0, "integration": 0.0, "e2e": 0.0}),
    ],
)
def test_a_target_is_three_shares_by_tier(
    tiers: ModuleType, raw: str, expected: dict[str, float]
) -> None:
    assert tiers.parse_target(raw) == expected


@pytest.mark.parametrize(
    "raw", ["60/40", "60/35/5/0", "50/30/10", "110/-5/-5", "six/three/one", ""]
)
def test_a_bad_target_is_a_usage_error_naming_the_key_and_an_example(
    tiers: ModuleType, raw: str
) -> None:
    message = (
        f"pyramid_target = {raw!r}: expected three percentages for unit/integration/e2e "
        "adding up to 100, e.g. '60/35/5'"
    )
    with pytest.raises(pytest.UsageError, match=f"^{re.escape(message)}$"):
        tiers.parse_target(raw)


def test_shares_are_percentages_of_the_tiered_tests_and_ignore_untiered_ones(
    tiers: ModuleType,
) -> None:
    report = report_of(tiers, {"unit": 6, "integration": 3, "e2e": 1, "untiered": 5})

    shares = {share.tier: share.percent for share in report.shares}

    assert shares == {"unit": 60.0, "integration": 30.0, "e2e": 10.0}
    assert report.within_tolerance


def test_one_tier_further_than_the_tolerance_puts_the_run_out_of_tolerance(
    tiers: ModuleType,
) -> None:
    report = report_of(tiers, {"unit": 49, "integration": 46, "e2e": 5})

    verdicts = {share.tier: share.within_tolerance for share in report.shares}

    assert verdicts == {"unit": False, "integration": False, "e2e": True}
    assert not report.within_tolerance


def test_exactly_the_tolerance_away_is_still_within(tiers: ModuleType) -> None:
    share = tiers.TierShare("unit", 5, 50.0, 60.0, 10.0)

    assert share.within_tolerance
    assert not tiers.TierShare("unit", 5, 49.9, 60.0, 10.0).within_tolerance


def test_an_empty_run_has_zero_shares_rather_than_dividing_by_zero(tiers: ModuleType) -> None:
    assert [share.percent for share in report_of(tiers, {}).shares] == [0.0, 0.0, 0.0]


def test_the_json_figures_carry_counts_rounded_shares_and_the_partial_reason(
    tiers: ModuleType,
) -> None:
    report = report_of(tiers, {"unit": 2, "integration": 1, "untiered": 1}, "-k 'x'")

    figures = report.as_dict()

    assert figures["partial"] is True
    assert figures["partial_reason"] == "-k 'x'"
    assert figures["untiered"] == 1
    assert figures["tolerance"] == 10.0
    assert figures["tiers"]["unit"] == {
        "count": 2,
        "percent": 66.7,
        "target": 60,
        "within_tolerance": True,
    }
    assert figures["over_budget"] == []


@pytest.mark.parametrize(
    ("relative", "tier"),
    [
        ("unit/test_x.py", "unit"),
        ("unit/domain/deep/test_x.py", "unit"),
        ("integration/api/test_x.py", "integration"),
        ("e2e/test_x.py", "e2e"),
        ("test_at_the_root.py", None),
        ("performance/test_x.py", None),
        ("../elsewhere/unit/test_x.py", None),
    ],
)
def test_the_tier_is_the_first_folder_under_tests(
    tiers: ModuleType, tmp_path: Path, relative: str, tier: str | None
) -> None:
    tests_root = tmp_path / "tests"

    assert tiers.tier_from_path((tests_root / relative).resolve(), tests_root) == tier
