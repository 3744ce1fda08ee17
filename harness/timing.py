"""How long the template's own suite takes, against one render of it, in the same time window.

The issue's yardstick: the whole template suite should take at most 4x what a user
waits for after ``copier copy`` (render, ``uv sync``, the generated suite). Both
depend on the machine's load, so they are measured together: the reference
before and after the suite, and the ratio uses their mean.

    uv run python -m harness.timing                 # this checkout
    uv run python -m harness.timing --repo /tmp/x   # another clone (e.g. before a change)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import copier

from .project import TEMPLATE_ROOT, GeneratedProject, clean_environment

GOAL = 4.0


def reference_seconds(template: Path) -> float:
    """One default render, its ``uv sync`` and its default test run, as a user gets them."""
    with tempfile.TemporaryDirectory(prefix="timing-reference-") as folder:
        started = time.perf_counter()
        destination = Path(folder) / "music-library"
        copier.run_copy(
            str(template), destination, defaults=True, vcs_ref="HEAD", quiet=True, unsafe=False
        )
        project = GeneratedProject(destination, destination / ".venv")
        project.run("uv", "sync", "--quiet", check=True)
        run = project.pytest()
        if run.returncode != 0:
            raise SystemExit(f"the reference render's suite failed:\n{run.output}")
        return time.perf_counter() - started


def suite_seconds(repo: Path, pytest_args: Sequence[str]) -> tuple[float, int]:
    """The template's whole suite, as CI runs it (``uv run pytest``); seconds and exit code."""
    started = time.perf_counter()
    result = subprocess.run(
        ["uv", "run", "pytest", "-q", *pytest_args],
        cwd=repo,
        env=clean_environment(),
        check=False,
    )
    return time.perf_counter() - started, result.returncode


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.timing", description=__doc__)
    parser.add_argument("--repo", type=Path, default=TEMPLATE_ROOT, help="the template checkout")
    parser.add_argument("pytest_args", nargs="*", help="extra arguments for the template suite")
    arguments = parser.parse_args(argv)

    before = reference_seconds(arguments.repo)
    suite, exit_code = suite_seconds(arguments.repo, arguments.pytest_args)
    after = reference_seconds(arguments.repo)
    reference = (before + after) / 2
    ratio = suite / reference
    print(
        f"reference (render + uv sync + generated suite): {before:.1f} s before, "
        f"{after:.1f} s after, mean {reference:.1f} s\n"
        f"template suite (exit code {exit_code}): {suite:.1f} s\n"
        f"ratio: {ratio:.1f}x (goal: at most {GOAL:g}x)"
    )
    return 0 if exit_code == 0 and ratio <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
