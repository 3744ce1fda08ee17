"""The tier, budget and shape plugins, run in-process on a small project with ``pytester``.

The scenarios in ``test_guards.py`` (marker ``render``) check the same messages in
a whole rendered project; these run the plugins themselves, loaded from the
template, in a few folders of tests, so the default run keeps them covered.
"""

from __future__ import annotations

import re

import pytest

from harness.plugin_modules import plugin_arguments

PLUGINS = ("settings", "tiers", "baseline", "budgets")
"""The generated ``tests/conftest.py`` lists these among its ``pytest_plugins``."""
SLEEPS = """
import time
import pytest

{marker}
def test_sleeps():
    time.sleep(0.05)
"""
PURE = "def test_{name}():\n    assert True\n"


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """Three unit tests and one integration test, with the generated suite's tier markers."""
    # Under the template suite's own xdist, the report would think it runs on a worker.
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    pytester.makeini("[pytest]\naddopts = -p no:randomly -p no:cacheprovider\n")
    for name in ("one", "two", "three"):
        pytester.makepyfile(**{f"tests/unit/test_{name}": PURE.format(name=name)})
    pytester.makepyfile(**{"tests/integration/test_four": PURE.format(name="four")})
    return pytester


def run(project: pytest.Pytester, *args: str) -> pytest.RunResult:
    return project.runpytest(*plugin_arguments(*PLUGINS), "-p", "no:xdist", *args)


# -- tiers -------------------------------------------------------------------


def test_each_test_gets_the_marker_of_its_tier_folder(project: pytest.Pytester) -> None:
    result = run(project, "-m", "unit")

    result.assert_outcomes(passed=3, deselected=1)


@pytest.mark.parametrize(
    "configured",
    [
        pytest.param("", id="none-configured"),
        pytest.param("markers =\n    slow: ours\n    unit: ours too\n", id="some-configured"),
    ],
)
def test_pytest_markers_shows_each_guide_marker_once(
    project: pytest.Pytester, configured: str
) -> None:
    project.makeini(f"[pytest]\naddopts = -p no:randomly\n{configured}")

    result = run(project, "--markers")

    assert result.ret == pytest.ExitCode.OK
    for name in ("unit", "integration", "e2e", "slow", "performance", "diagnostic"):
        assert len(re.findall(rf"^@pytest\.mark\.{name}:", result.stdout.str(), re.M)) == 1, name


# -- budgets -----------------------------------------------------------------


def test_a_unit_test_over_its_budget_is_listed_with_time_budget_and_fix(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(**{"tests/unit/test_scenario": SLEEPS.format(marker="")})

    result = run(project, "-o", "pyramid_unit_budget_ms=1")

    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(
        [
            "*= pyramid: 1 test(s) over their tier budget (listed) =*",
            "tests/unit/test_scenario.py::test_sleeps: unit test took * ms (* ms computing, "
            "* ms waiting), budget 1 ms. Fix: make it faster (mock what is slow, never wait), "
            "mark it @pytest.mark.slow, or move it to tests/integration/",
        ]
    )


def test_strict_mode_turns_an_over_budget_test_into_a_failure(project: pytest.Pytester) -> None:
    project.makepyfile(**{"tests/unit/test_scenario": SLEEPS.format(marker="")})

    result = run(project, "-o", "pyramid_unit_budget_ms=1", "--pyramid-strict")

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=5, errors=1)
    result.stdout.fnmatch_lines(["*Over budget (--pyramid-strict): *test_sleeps: unit test took*"])


@pytest.mark.parametrize(
    ("marker", "budget"),
    [
        pytest.param("@pytest.mark.slow", "1", id="marked-slow"),
        pytest.param("", "60000", id="budget-raised"),
    ],
)
def test_marking_it_slow_or_raising_the_budget_clears_the_finding(
    project: pytest.Pytester, marker: str, budget: str
) -> None:
    project.makepyfile(**{"tests/unit/test_scenario": SLEEPS.format(marker=marker)})

    result = run(project, "-o", f"pyramid_unit_budget_ms={budget}", "--pyramid-strict")

    result.assert_outcomes(passed=5)
    assert "over their tier budget" not in result.stdout.str()


def test_a_bad_budget_setting_is_a_usage_error_naming_key_and_example(
    project: pytest.Pytester,
) -> None:
    result = run(project, "-o", "pyramid_unit_budget_ms=fast")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*pyramid_unit_budget_ms = 'fast' in [[]tool.pytest.ini_options[]]: expected a "
            "positive number of milliseconds, e.g. pyramid_unit_budget_ms = '100'"
        ]
    )


# -- the shape of the run ----------------------------------------------------


def test_a_whole_run_is_judged_against_the_target_and_strict_fails_it(
    project: pytest.Pytester,
) -> None:
    result = run(project, "--pyramid-strict", "-o", "pyramid_target=25/50/25")

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(
        [
            "*= pyramid: shape of this run =*",
            "unit             3   75.0%  (target 25% ± *)  OUT OF TOLERANCE",
            "integration      1   25.0%  (target 50% ± *)  OUT OF TOLERANCE",
            "e2e              0    0.0%  (target 25% ± *)  OUT OF TOLERANCE",
            "shape is out of tolerance: the run fails (--pyramid-strict)",
        ]
    )


def test_a_run_within_the_target_passes_strict_and_writes_its_figures(
    project: pytest.Pytester,
) -> None:
    result = run(project, "--pyramid-strict", "-o", "pyramid_target=75/25/0", "--pyramid-json=p")

    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["unit             3   75.0%  (target 75% ± *)  ok"])
    assert '"within_tolerance": true' in (project.path / "p").read_text()


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        pytest.param(("-k", "one or four"), "-k 'one or four'", id="keyword"),
        pytest.param(("tests/unit",), "tests/unit", id="folder"),
        pytest.param(("-m", "unit"), "-m 'unit'", id="marker"),
    ],
)
def test_a_narrowed_run_is_reported_as_partial_not_judged(
    project: pytest.Pytester, args: tuple[str, ...], reason: str
) -> None:
    result = run(project, "--pyramid-strict", "-o", "pyramid_target=25/50/25", *args)

    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines([f"partial run ({reason}): shape not judged"])


def test_a_bad_target_is_a_usage_error(project: pytest.Pytester) -> None:
    result = run(project, "-o", "pyramid_target=60/40")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*pyramid_target = '60/40': expected three percentages*"])
