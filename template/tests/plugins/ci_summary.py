"""The CI job summary: pyramid shape and budget findings as Markdown tables.

CI appends the output to ``$GITHUB_STEP_SUMMARY`` so that the figures are on the
run's page, not in its log::

    python -m tests.plugins.ci_summary --pyramid pyramid.json

``pyramid.json`` is what ``pytest --pyramid-json`` writes. A missing file is
reported, not raised: the summary must not hide the failure that stopped the
run before writing it. Coverage has its own Markdown report, which CI appends
next to this one (``coverage report --format=markdown``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pyramid", type=Path, required=True, help="the report of pytest --pyramid-json"
    )
    args = parser.parse_args(argv)
    sys.stdout.write(pyramid_section(load(args.pyramid)))
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
        verdict = "ok" if share["within_tolerance"] else "**FAILED**"
        if partial:
            verdict = "not judged"
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


def cell(text: str) -> str:
    """Text that cannot break a Markdown table row."""
    return str(text).replace("|", "\\|").replace("`", "'")


if __name__ == "__main__":
    raise SystemExit(main())
