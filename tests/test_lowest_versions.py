"""The lower bounds of the generated pyproject.toml hold: CI's `lowest` job passes here.

The commands are read from the rendered workflow, so this test runs exactly
what the job runs: install the oldest version of every direct dependency
(`uv sync --resolution lowest-direct`), then lint, types and the fast suite.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from harness.project import GeneratedProject, render

pytestmark = pytest.mark.field


def test_lowest_direct_versions_pass_lint_types_and_the_fast_suite(tmp_path: Path) -> None:
    project = GeneratedProject(render(tmp_path / "project"), tmp_path / "project/.venv")
    workflow = yaml.safe_load((project.root / ".github/workflows/tests.yml").read_text())
    commands = [step["run"] for step in workflow["jobs"]["lowest"]["steps"] if "run" in step]

    assert commands[0] == "uv sync --resolution lowest-direct"
    for command in commands:
        result = project.run("bash", "-c", command)
        assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    installed = project.run("uv", "pip", "list", check=True).stdout.split()
    # The oldest releases really were installed (pyproject.toml's lower bounds).
    oldest = {"pytest": "8.4.0", "pytest-asyncio": "0.26.0", "mypy": "1.17.0", "ruff": "0.13.0"}
    for name, version in oldest.items():
        assert installed[installed.index(name) + 1] == version
