"""The generated GitHub Actions workflow: the jobs and steps each answer promises."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.project import render

WORKFLOW = ".github/workflows/tests.yml"
SPLIT = "--splits {shards} --group ${{{{ matrix.group }}}} --splitting-algorithm least_duration"


def load_workflow(root: Path) -> dict[str, Any]:
    workflow = yaml.safe_load((root / WORKFLOW).read_text())
    assert isinstance(workflow, dict)
    return workflow


def runs(job: dict[str, Any]) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def dependency_names(root: Path) -> list[str]:
    pyproject = tomllib.loads((root / "pyproject.toml").read_text())
    return list(pyproject["dependency-groups"]["test"])


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
@pytest.mark.parametrize("shards", [1, 3])
def test_workflow_lints_runs_fast_suite_on_push_and_everything_on_default_branch(
    tmp_path: Path, database: str, shards: int
) -> None:
    root = render(tmp_path / "project", database=database, ci_shards=shards)
    workflow = load_workflow(root)
    jobs = workflow["jobs"]

    assert set(workflow[True]) == {"push", "pull_request"}  # YAML 1.1 reads `on` as True
    assert set(jobs) == {"lint", "tests", "everything"} | ({"coverage"} if shards > 1 else set())
    assert runs(jobs["lint"])[1:] == [
        "uv run ruff check .",
        "uv run ruff format --check .",
        "uv run mypy",
    ]
    fast, everything = runs(jobs["tests"])[-1], runs(jobs["everything"])[-1]
    assert fast.startswith("uv run pytest --pyramid-strict --cov --cov-report=term")
    assert everything.startswith('uv run pytest -m ""')
    assert "default_branch" in jobs["everything"]["if"]
    assert "if" not in jobs["tests"]


@pytest.mark.parametrize("shards", [1, 3])
def test_shards_split_both_suites_by_stored_durations(tmp_path: Path, shards: int) -> None:
    root = render(tmp_path / "project", ci_shards=shards)
    jobs = load_workflow(root)["jobs"]
    split = SPLIT.format(shards=shards)

    for name in ("tests", "everything"):
        assert runs(jobs[name])[-1].endswith(split) is (shards > 1)
        matrix = jobs[name].get("strategy", {}).get("matrix", {})
        assert matrix.get("group") == (list(range(1, shards + 1)) if shards > 1 else None)
    assert (root / ".test_durations").is_file() is (shards > 1)
    assert any(dep.startswith("pytest-split") for dep in dependency_names(root)) is (shards > 1)
    if shards > 1:
        assert json.loads((root / ".test_durations").read_text()) == {}
        assert jobs["coverage"]["needs"] == "tests"
        assert runs(jobs["coverage"])[-1] == "uv run coverage combine && uv run coverage report"


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_postgresql_jobs_get_a_service_container_and_test_database_url(
    tmp_path: Path, database: str
) -> None:
    jobs = load_workflow(render(tmp_path / "project", database=database))["jobs"]

    for name in ("tests", "everything"):
        if database == "postgresql":
            assert jobs[name]["services"]["postgres"]["image"].startswith("postgres:")
            assert jobs[name]["env"]["TEST_DATABASE_URL"].startswith("postgresql://")
            assert "5432:5432" in jobs[name]["services"]["postgres"]["ports"]
        else:
            assert "services" not in jobs[name]
            assert "env" not in jobs[name]
    assert "services" not in jobs["lint"]


def test_ci_none_renders_no_github_folder_and_no_durations(tmp_path: Path) -> None:
    root = render(tmp_path / "project", ci="none", ci_shards=3)

    assert not (root / ".github").exists()
    assert not (root / ".test_durations").exists()
    assert not any(dep.startswith("pytest-split") for dep in dependency_names(root))


@pytest.mark.parametrize("shards", [0, -2])
def test_ci_shards_below_one_is_refused_with_what_is_accepted(tmp_path: Path, shards: int) -> None:
    destination = tmp_path / "project"

    with pytest.raises(ValueError, match=r"ci_shards must be a whole number .* 1 or more"):
        render(destination, ci_shards=shards)

    assert not destination.exists()
