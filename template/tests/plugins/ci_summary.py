"""The CI job summary: pyramid shape, budget findings and coverage as Markdown tables.

CI appends the output to ``$GITHUB_STEP_SUMMARY`` so that the figures are on the
run's page, not in its log::

    python -m tests.plugins.ci_summary --pyramid pyramid.json --coverage coverage.json

``pyramid.json`` is what ``pytest --pyramid-json`` writes; ``coverage.json``
what ``--cov-report=json:coverage.json`` (or ``coverage json``) writes. A missing
file is reported, not raised: the summary must not hide the failure that
stopped the run before writing it.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

LEAST_COVERED = 5


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pyramid", type=Path, help="the report of pytest --pyramid-json")
    parser.add_argument("--coverage", type=Path, help="coverage's JSON report")
    parser.add_argument(
        "--pyproject", type=Path, default=Path("pyproject.toml"), help="for fail_under"
    )
    args = parser.parse_args(argv)
    sections = []
    if args.pyramid:
        sections.append(pyramid_section(load(args.pyramid)))
    if args.coverage:
        sections.append(coverage_section(load(args.coverage), fail_under(args.pyproject)))
    sys.stdout.write("\n".join(sections))
    return 0


def load(path: Path) -> dict[str, Any] | str:
    """The report's figures, or why there are none."""
    try:
        figures = json.loads(path.read_text())
    except FileNotFoundError:
        return f"No `{path}`: the run stopped before writing it (see the job's log)."
    except json.JSONDecodeError as error:
        return f"`{path}` is not valid JSON ({error})."
    return figures if isinstance(figures, dict) else f"`{path}` holds no report."


def pyramid_section(report: dict[str, Any] | str) -> str:
    lines = ["### Test pyramid", ""]
    if isinstance(report, str):
        return "\n".join([*lines, report, ""])
    partial = report.get("partial_reason")
    tolerance = report.get("tolerance")
    lines += ["| Tier | Tests | Share | Target | Verdict |", "| --- | ---: | ---: | ---: | --- |"]
    for tier, share in report["tiers"].items():
        verdict = "not judged" if partial else verdict_of(share["within_tolerance"])
        target = f"{share['target']:g}%" + (f" ± {tolerance:g}" if tolerance else "")
        lines.append(
            f"| {tier} | {share['count']} | {share['percent']:.1f}% | {target} | {verdict} |"
        )
    lines.append("")
    if partial:
        lines += [f"Partial run (`{partial}`): the shape is judged on whole runs only.", ""]
    if report.get("untiered"):
        lines += [
            f"{report['untiered']} test(s) outside tests/unit, tests/integration and "
            "tests/e2e are not counted: move them into a tier folder.",
            "",
        ]
    return "\n".join(lines + budget_lines(report.get("over_budget", [])))


def budget_lines(findings: list[dict[str, Any]]) -> list[str]:
    lines = ["### Over budget", ""]
    if not findings:
        return [*lines, "No test over its tier budget.", ""]
    lines += ["| Test | Tier | Took | Budget |", "| --- | --- | ---: | ---: |"]
    for finding in sorted(findings, key=lambda finding: -float(finding["seconds"])):
        lines.append(
            f"| `{cell(finding['nodeid'])}` | {finding['tier']} "
            f"| {1000 * finding['seconds']:.0f} ms | {1000 * finding['budget']:.0f} ms |"
        )
    return [*lines, "", "Fixes: see docs/testing.md#guardrails.", ""]


def coverage_section(report: dict[str, Any] | str, threshold: float | None) -> str:
    lines = ["### Coverage", ""]
    if isinstance(report, str):
        return "\n".join([*lines, report, ""])
    totals = report["totals"]
    percent = float(totals["percent_covered"])
    required = "none" if threshold is None else f"{threshold:g}%"
    verdict = verdict_of(threshold is None or percent >= threshold)
    lines += [
        "| Statements | Missed | Branches | Partial | Cover | fail_under | Verdict |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        f"| {totals['num_statements']} | {totals['missing_lines']} "
        f"| {totals.get('num_branches', 0)} | {totals.get('num_partial_branches', 0)} "
        f"| {percent:.1f}% | {required} | {verdict} |",
        "",
    ]
    files = sorted(
        (summary["summary"]["percent_covered"], name, summary.get("missing_lines", []))
        for name, summary in report.get("files", {}).items()
        if summary["summary"]["percent_covered"] < 100
    )[:LEAST_COVERED]
    if files:
        lines += ["| Least covered | Cover | Missing lines |", "| --- | ---: | --- |"]
        for file_percent, name, missing in files:
            lines.append(f"| `{cell(name)}` | {file_percent:.0f}% | {line_ranges(missing)} |")
        lines.append("")
    return "\n".join(lines)


def fail_under(pyproject: Path) -> float | None:
    """``[tool.coverage.report] fail_under``, the threshold CI holds coverage to."""
    try:
        config = tomllib.loads(pyproject.read_text())
    except (FileNotFoundError, tomllib.TOMLDecodeError):
        return None
    value = config.get("tool", {}).get("coverage", {}).get("report", {}).get("fail_under")
    return float(value) if isinstance(value, int | float) else None


def verdict_of(ok: bool) -> str:
    return "ok" if ok else "**FAILED**"


def line_ranges(lines: list[int]) -> str:
    """``[3, 4, 5, 9]`` as ``3-5, 9``."""
    ranges: list[list[int]] = []
    for line in sorted(lines):
        if ranges and line == ranges[-1][1] + 1:
            ranges[-1][1] = line
        else:
            ranges.append([line, line])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in ranges)


def cell(text: str) -> str:
    """Text that cannot break a Markdown table row."""
    return str(text).replace("|", "\\|").replace("`", "'")


if __name__ == "__main__":
    raise SystemExit(main())
