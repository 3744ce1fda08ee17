"""The CI job summary (tests/plugins/ci_summary.py): the tables people read on a run's page.

The fast tests import the template's module directly (it needs no rendering)
and feed it reports; the last ones run it on what a real run of the default
render writes.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import pytest

from harness.plugin_modules import load_plugin
from harness.project import GeneratedProject
from harness.suite_run import SuiteRun


def load_summary() -> ModuleType:
    return load_plugin("ci_summary")


def pyramid_report(**changes: object) -> dict[str, object]:
    report: dict[str, object] = {
        "partial": False,
        "partial_reason": None,
        "within_tolerance": False,
        "tolerance": 10.0,
        "untiered": 0,
        "over_budget": [],
        "tiers": {
            "unit": {"count": 40, "percent": 40.0, "target": 60.0, "within_tolerance": False},
            "integration": {
                "count": 55,
                "percent": 55.0,
                "target": 35.0,
                "within_tolerance": False,
            },
            "e2e": {"count": 5, "percent": 5.0, "target": 5.0, "within_tolerance": True},
        },
    }
    report.update(changes)
    return report


def coverage_report(percent: float) -> dict[str, object]:
    def summary(percent: float, statements: int, missing: int) -> dict[str, object]:
        return {
            "percent_covered": percent,
            "num_statements": statements,
            "missing_lines": missing,
            "num_branches": 10,
            "num_partial_branches": 1,
        }

    return {
        "totals": summary(percent, 200, 30),
        "files": {
            "src/app/cli.py": {
                "summary": summary(50.0, 20, 10),
                "missing_lines": [3, 4, 5, 9],
            },
            "src/app/core.py": {"summary": summary(100.0, 180, 0), "missing_lines": []},
        },
    }


def summarize(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert load_summary().main(list(args)) == 0
    return capsys.readouterr().out


def write(path: Path, figures: dict[str, object]) -> str:
    path.write_text(json.dumps(figures))
    return str(path)


def test_shape_budget_findings_and_coverage_become_markdown_tables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    findings = [
        {
            "nodeid": "tests/unit/test_a.py::test_fast",
            "tier": "unit",
            "seconds": 0.12,
            "budget": 0.1,
        },
        {
            "nodeid": "tests/unit/test_b.py::test_x[a|b]",
            "tier": "unit",
            "seconds": 0.4,
            "budget": 0.1,
        },
    ]
    pyramid = write(tmp_path / "pyramid.json", pyramid_report(over_budget=findings))
    coverage = write(tmp_path / "coverage.json", coverage_report(85.0))
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[tool.coverage.report]\nfail_under = 80\n")

    out = summarize(
        capsys, "--pyramid", pyramid, "--coverage", coverage, "--pyproject", str(pyproject)
    )

    assert "| unit | 40 | 40.0% | 60% ± 10 | **FAILED** |" in out
    assert "| e2e | 5 | 5.0% | 5% ± 10 | ok |" in out
    slowest, other = out.index("test_x[a\\|b]"), out.index("test_a.py::test_fast")
    assert slowest < other  # slowest first; a `|` cannot break the row
    assert "| `tests/unit/test_b.py::test_x[a\\|b]` | unit | 400 ms | 100 ms |" in out
    assert "| 200 | 30 | 10 | 1 | 85.0% | 80% | ok |" in out
    assert "| `src/app/cli.py` | 50% | 3-5, 9 |" in out
    assert "core.py" not in out  # fully covered files are not listed


def test_coverage_under_fail_under_is_marked_failed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    coverage = write(tmp_path / "coverage.json", coverage_report(79.5))
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[tool.coverage.report]\nfail_under = 80\n")

    out = summarize(capsys, "--coverage", coverage, "--pyproject", str(pyproject))

    assert "| 79.5% | 80% | **FAILED** |" in out
    assert "Test pyramid" not in out


def test_partial_runs_are_not_judged_and_missing_reports_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reason = "--splits 3 --group 2"
    pyramid = write(tmp_path / "pyramid.json", pyramid_report(partial=True, partial_reason=reason))

    out = summarize(capsys, "--pyramid", pyramid, "--coverage", "absent.json")

    assert "| unit | 40 | 40.0% | 60% ± 10 | not judged |" in out
    assert f"Partial run (`{reason}`)" in out
    assert "No test over its tier budget." in out
    assert "No `absent.json`: the run stopped before writing it" in out


# -- on a real run ----------------------------------------------------------------


def test_default_render_meets_fail_under_and_its_summary_shows_the_run(
    default_project: GeneratedProject, default_run: SuiteRun
) -> None:
    run = default_run.run

    summary = default_project.run(
        default_project.bin("python"), "-m", "tests.plugins.ci_summary",
        "--pyramid", str(default_run.pyramid_json), "--coverage", str(default_run.coverage_json),
        check=True,
    ).stdout  # fmt: skip

    assert run.returncode == 0, run.output
    assert "Required test coverage of 85" in run.output
    tiers = default_run.pyramid["tiers"]
    assert isinstance(tiers, dict)
    for name, share in tiers.items():
        assert f"| {name} | {share['count']} | {share['percent']:.1f}% | " in summary
    assert "| 85% | ok |" in summary


@pytest.mark.render
def test_budget_findings_reach_the_json_report_and_the_summary(
    scratch_project: GeneratedProject, tmp_path: Path
) -> None:
    scratch_project.write(
        "tests/unit/test_planted.py",
        "import time\n\n\ndef test_sleeps_past_the_unit_budget() -> None:\n    time.sleep(0.15)\n",
    )
    pyramid = tmp_path / "pyramid.json"

    run = scratch_project.pytest("tests/unit/test_planted.py", f"--pyramid-json={pyramid}")
    summary = scratch_project.run(
        scratch_project.bin("python"), "-m", "tests.plugins.ci_summary",
        "--pyramid", str(pyramid), check=True,
    ).stdout  # fmt: skip

    assert run.returncode == 0, run.output  # listed, not failed, without --pyramid-strict
    findings = json.loads(pyramid.read_text())["over_budget"]
    nodeid = "tests/unit/test_planted.py::test_sleeps_past_the_unit_budget"
    assert [finding["nodeid"] for finding in findings] == [nodeid]
    assert f"| `{nodeid}` | unit | " in summary
