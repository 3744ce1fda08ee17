"""The CI job summary (tests/plugins/ci_summary.py): the tables people read on a run's page.

The fast tests import the template's module directly (it needs no rendering)
and feed it reports; the last ones run it, and the workflow's coverage command
(coverage's own Markdown report), on what a real run of the default render writes.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from types import ModuleType

import pytest
import yaml

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


def summarize(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert load_summary().main(list(args)) == 0
    return capsys.readouterr().out


def write(path: Path, figures: dict[str, object]) -> str:
    path.write_text(json.dumps(figures))
    return str(path)


def test_shape_and_budget_findings_become_markdown_tables(
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

    out = summarize(capsys, "--pyramid", pyramid)

    assert "| unit | 40 | 40.0% | 60% ± 10 | **FAILED** |" in out
    assert "| e2e | 5 | 5.0% | 5% ± 10 | ok |" in out
    slowest, other = out.index("test_x[a\\|b]"), out.index("test_a.py::test_fast")
    assert slowest < other  # slowest first; a `|` cannot break the row
    assert "| `tests/unit/test_b.py::test_x[a\\|b]` | unit | 400 ms | 100 ms |" in out


def test_partial_runs_are_not_judged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reason = "--splits 3 --group 2"
    pyramid = write(tmp_path / "pyramid.json", pyramid_report(partial=True, partial_reason=reason))

    out = summarize(capsys, "--pyramid", pyramid)

    assert "| unit | 40 | 40.0% | 60% ± 10 | not judged |" in out
    assert f"Partial run (`{reason}`)" in out
    assert "No test over its tier budget." in out


def test_a_missing_report_is_named_not_raised(capsys: pytest.CaptureFixture[str]) -> None:
    out = summarize(capsys, "--pyramid", "absent.json")

    assert out == (
        "### Test pyramid\n\n"
        "No `absent.json`: the run stopped before writing it (see the job's log).\n"
    )


# -- on a real run ----------------------------------------------------------------


def coverage_command(project: GeneratedProject) -> list[str]:
    """The command of the workflow's coverage summary: coverage's own Markdown report."""
    workflow = yaml.safe_load((project.root / ".github/workflows/tests.yml").read_text())
    step = next(step for step in workflow["jobs"]["tests"]["steps"]
                if step.get("name") == "coverage summary")  # fmt: skip
    line = next(line for line in step["run"].splitlines() if "coverage report" in line)
    command = shlex.split(line.partition(">>")[0])
    assert command[:3] == ["uv", "run", "coverage"], line
    return [project.bin("coverage"), *command[3:]]


def test_default_render_meets_fail_under_and_its_summary_shows_the_run(
    default_project: GeneratedProject, default_run: SuiteRun
) -> None:
    run = default_run.run

    summary = default_project.run(
        default_project.bin("python"), "-m", "tests.plugins.ci_summary",
        "--pyramid", str(default_run.pyramid_json), check=True,
    ).stdout  # fmt: skip
    coverage = default_project.run(
        *coverage_command(default_project), env={"COVERAGE_FILE": str(default_run.coverage_data)}
    )

    assert run.returncode == 0, run.output
    assert "Required test coverage of 85" in run.output
    tiers = default_run.pyramid["tiers"]
    assert isinstance(tiers, dict)
    for name, share in tiers.items():
        assert f"| {name} | {share['count']} | {share['percent']:.1f}% | " in summary
    assert coverage.returncode == 0, coverage.stdout + coverage.stderr  # fail_under is met
    total = re.search(r"^\| \*\*TOTAL\*\* .*\| \*\*(\d+)%\*\* \|", coverage.stdout, re.MULTILINE)
    assert total is not None, coverage.stdout
    assert int(total.group(1)) >= 85
    assert "files skipped due to complete coverage" in coverage.stdout


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
