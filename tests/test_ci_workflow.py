"""The generated GitHub Actions workflow: the jobs and steps each answer promises.

Workflows are checked as rendered, without installing the project: their
schema (check-jsonschema's vendored GitHub schemas, no network), their pins and
their safety settings. The template repository's own workflows get the same checks.
"""

from __future__ import annotations

import itertools
import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import check_jsonschema
import pytest
import yaml
from click.testing import CliRunner

from harness.answers import render_files
from harness.project import TEMPLATE_ROOT, render
from harness.sharing import build_once

WORKFLOW = ".github/workflows/tests.yml"
DEPENDABOT = ".github/dependabot.yml"
SPLIT = "--splits {shards} --group ${{{{ matrix.group }}}} --splitting-algorithm least_duration"
PYTHONS = ["3.11", "3.12", "3.13", "3.14"]
PINNED_USES = re.compile(
    r"^\s*(?:- )?uses: (?P<action>[\w.-]+/[\w.-]+)@(?P<sha>[0-9a-f]{40})"
    r" # (?P<version>v\d+(\.\d+)*)$"
)
REPOSITORY_WORKFLOWS = sorted((TEMPLATE_ROOT / ".github/workflows").glob("*.yml"))
ANSWERS = list(itertools.product(["sqlite", "postgresql"], [1, 3], [True, False]))
"""database x ci_shards x http_api: every answer that changes the workflow's text."""
RENDERED_FILES = (
    WORKFLOW,
    DEPENDABOT,
    ".gitignore",
    "pyproject.toml",
    "README.md",
    "docs/testing.md",
)
"""The files of a render that the tests below read."""


def render_id(database: str, shards: int, http_api: bool) -> str:
    return f"{database}-shards{shards}-api{int(http_api)}"


def load_workflow(root: Path, name: str = WORKFLOW) -> dict[str, Any]:
    workflow = yaml.safe_load((root / name).read_text())
    assert isinstance(workflow, dict)
    return workflow


def runs(job: dict[str, Any]) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def uses(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [step for step in job["steps"] if step.get("uses", "").startswith(action + "@")]


def dependency_names(root: Path) -> list[str]:
    pyproject = tomllib.loads((root / "pyproject.toml").read_text())
    return list(pyproject["dependency-groups"]["test"])


def schema_errors(schema: str, *files: Path) -> str:
    """check-jsonschema's complaints about the files, or "" when they are valid (in-process)."""
    result = CliRunner().invoke(
        check_jsonschema.main, ["--builtin-schema", schema, *map(str, files)]
    )
    return "" if result.exit_code == 0 else result.output


def pins(path: Path) -> dict[str, set[tuple[str, str]]]:
    """Each action's (commit, version comment) pairs in a workflow, read from its text."""
    found: dict[str, set[tuple[str, str]]] = {}
    for line in path.read_text().splitlines():
        if match := PINNED_USES.match(line):
            found.setdefault(match["action"], set()).add((match["sha"], match["version"]))
    return found


@pytest.fixture(
    scope="module",
    params=[pytest.param("copier", marks=pytest.mark.render), pytest.param("in-process")],
)
def renders(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """Every answer's rendered project, by render_id (rendered, not installed; once per session).

    Each test runs twice: on Copier's whole renders (marker ``render``), and on the
    files these tests read, rendered in-process from the same answers (default run).
    """
    if request.param == "in-process":
        base = tmp_path_factory.mktemp("workflow-files")
        return {
            render_id(*answers): render_files(
                base / render_id(*answers),
                RENDERED_FILES,
                database=answers[0],
                ci_shards=answers[1],
                http_api=answers[2],
            )
            for answers in ANSWERS
        }

    def render_all(base: Path) -> None:
        for database, shards, http_api in ANSWERS:
            name = render_id(database, shards, http_api)
            render(base / name, database=database, ci_shards=shards, http_api=http_api)

    base = build_once(tmp_path_factory, "workflows", render_all)
    return {render_id(*answers): base / render_id(*answers) for answers in ANSWERS}


# -- schema, pins and safety settings -----------------------------------------


def test_every_rendered_workflow_and_dependabot_config_passes_the_github_schemas(
    renders: dict[str, Path],
) -> None:
    workflows = [root / WORKFLOW for root in renders.values()]
    dependabot = [root / DEPENDABOT for root in renders.values()]

    assert schema_errors("vendor.github-workflows", *workflows) == ""
    assert schema_errors("custom.github-workflows-require-timeout", *workflows) == ""
    assert schema_errors("vendor.dependabot", *dependabot) == ""


def test_the_template_repositorys_own_workflows_pass_the_github_schemas() -> None:
    assert REPOSITORY_WORKFLOWS, "no workflow in .github/workflows"

    assert schema_errors("vendor.github-workflows", *REPOSITORY_WORKFLOWS) == ""
    assert schema_errors("custom.github-workflows-require-timeout", *REPOSITORY_WORKFLOWS) == ""
    assert schema_errors("vendor.dependabot", TEMPLATE_ROOT / DEPENDABOT) == ""


def test_the_schema_check_reports_a_job_without_timeout_and_a_misspelt_key(
    renders: dict[str, Path], tmp_path: Path
) -> None:
    text = next(iter(renders.values())).joinpath(WORKFLOW).read_text()
    no_timeout = tmp_path / "no-timeout.yml"
    no_timeout.write_text(text.replace("    timeout-minutes: 10\n", "", 1))
    misspelt = tmp_path / "misspelt.yml"
    misspelt.write_text(text.replace("runs-on:", "runs_on:", 1))

    assert "no-timeout.yml::$.jobs.lint" in schema_errors(
        "custom.github-workflows-require-timeout", no_timeout
    )
    assert "misspelt.yml::$.jobs.lint" in schema_errors("vendor.github-workflows", misspelt)


def test_every_action_is_pinned_to_a_full_commit_with_its_version_in_a_comment(
    renders: dict[str, Path],
) -> None:
    for path in [*(root / WORKFLOW for root in renders.values()), *REPOSITORY_WORKFLOWS]:
        lines = [line for line in path.read_text().splitlines() if "uses:" in line]
        unpinned = [line.strip() for line in lines if not PINNED_USES.match(line)]
        assert lines
        assert unpinned == [], f"{path}: pin by 40-hex commit with '# vX.Y.Z' after it"


def test_template_and_repository_pin_each_action_to_the_same_release(
    renders: dict[str, Path],
) -> None:
    """Dependabot bumps the repository's workflows; this fails until the template follows."""
    generated = pins(renders["sqlite-shards3-api1"] / WORKFLOW)
    for path in REPOSITORY_WORKFLOWS:
        for action, pinned in pins(path).items():
            assert len(pinned) == 1, f"{path}: {action} pinned to several releases: {pinned}"
            if action in generated:
                assert generated[action] == pinned, (
                    f"{action}: template/.github/workflows/tests.yml.jinja pins "
                    f"{generated[action]}, {path.name} pins {pinned}: use the same commit"
                )
    assert {"actions/checkout", "astral-sh/setup-uv"} <= set(generated)


@pytest.mark.parametrize("answers", ANSWERS, ids=lambda answers: render_id(*answers))
def test_workflow_reads_only_cancels_superseded_runs_and_bounds_every_job(
    renders: dict[str, Path], answers: tuple[str, int, bool]
) -> None:
    workflow = load_workflow(renders[render_id(*answers)])

    assert workflow["permissions"] == {"contents": "read"}
    assert workflow["concurrency"]["group"] == "${{ github.workflow }}-${{ github.ref }}"
    assert "github.ref != " in workflow["concurrency"]["cancel-in-progress"]
    for name, job in workflow["jobs"].items():
        assert isinstance(job["timeout-minutes"], int), name
        checkouts = uses(job, "actions/checkout")
        assert len(checkouts) == 1, name
        assert checkouts[0]["with"]["persist-credentials"] is False, name


def test_the_repository_workflows_read_only_and_bound_every_job() -> None:
    for path in REPOSITORY_WORKFLOWS:
        workflow = yaml.safe_load(path.read_text())
        assert workflow["permissions"] == {"contents": "read"}, path
        assert workflow["concurrency"]["cancel-in-progress"], path
        for name, job in workflow["jobs"].items():
            assert isinstance(job["timeout-minutes"], int), f"{path.name}: {name}"
            for step in uses(job, "actions/checkout"):
                assert step["with"]["persist-credentials"] is False, f"{path.name}: {name}"


def test_dependabot_keeps_the_actions_and_the_locked_python_dependencies_current(
    renders: dict[str, Path],
) -> None:
    config = yaml.safe_load((renders["sqlite-shards1-api1"] / DEPENDABOT).read_text())

    ecosystems = {update["package-ecosystem"]: update for update in config["updates"]}
    assert set(ecosystems) == {"github-actions", "uv"}
    for update in ecosystems.values():
        assert update["directory"] == "/"
        assert update["schedule"]["interval"] == "weekly"


# -- jobs and steps ------------------------------------------------------------


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
@pytest.mark.parametrize("shards", [1, 3])
def test_workflow_lints_runs_fast_suite_on_push_and_everything_on_default_branch(
    renders: dict[str, Path], database: str, shards: int
) -> None:
    workflow = load_workflow(renders[f"{database}-shards{shards}-api1"])
    jobs = workflow["jobs"]

    assert set(workflow[True]) == {"push", "pull_request"}  # YAML 1.1 reads `on` as True
    expected = {"lint", "tests", "lowest", "everything"} | ({"coverage"} if shards > 1 else set())
    assert set(jobs) == expected
    assert runs(jobs["lint"]) == [
        "uv sync --locked",
        "uv run ruff check .",
        "uv run ruff format --check .",
        "uv run mypy",
    ]
    fast = next(run for run in runs(jobs["tests"]) if run.startswith("uv run pytest"))
    everything = next(run for run in runs(jobs["everything"]) if run.startswith("uv run pytest"))
    assert fast.startswith(
        "uv run pytest --pyramid-strict --pyramid-json=pyramid.json --cov --cov-report=term"
    )
    assert everything.startswith('uv run pytest -m "" --pyramid-json=pyramid.json')
    assert "default_branch" in jobs["everything"]["if"]
    assert "if" not in jobs["tests"]


@pytest.mark.render
@pytest.mark.parametrize("python_version", PYTHONS)
def test_fast_suite_runs_on_every_supported_python(tmp_path: Path, python_version: str) -> None:
    jobs = load_workflow(render(tmp_path / "project", python_version=python_version))["jobs"]

    supported = PYTHONS[PYTHONS.index(python_version) :]
    assert jobs["tests"]["strategy"]["matrix"]["python"] == supported
    assert uses(jobs["tests"], "astral-sh/setup-uv")[0]["with"]["python-version"] == (
        "${{ matrix.python }}"
    )
    for name in ("lint", "lowest", "everything"):
        assert uses(jobs[name], "astral-sh/setup-uv")[0]["with"]["python-version"] == (
            python_version
        )


@pytest.mark.parametrize("shards", [1, 3])
def test_jobs_install_the_committed_lock_and_one_job_the_lowest_direct_versions(
    renders: dict[str, Path], shards: int
) -> None:
    jobs = load_workflow(renders[f"postgresql-shards{shards}-api1"])["jobs"]

    for name, job in jobs.items():
        installs = [run for run in runs(job) if run.startswith("uv sync")]
        if name == "lowest":
            assert installs == ["uv sync --resolution lowest-direct"]
            # `uv run` would sync back to uv.lock: every command after the install opts out.
            assert all(run.startswith("uv run --no-sync ") for run in runs(job)[1:])
        else:
            assert installs == ["uv sync --locked"], name
    assert runs(jobs["lowest"])[1:] == [
        "uv run --no-sync ruff check .",
        "uv run --no-sync ruff format --check .",
        "uv run --no-sync mypy",
        "uv run --no-sync pytest",
    ]
    assert jobs["lowest"]["env"]["TEST_DATABASE_URL"].startswith("postgresql://")


@pytest.mark.parametrize("shards", [1, 3])
def test_test_jobs_write_a_summary_and_upload_the_pyramid_report(
    renders: dict[str, Path], shards: int
) -> None:
    jobs = load_workflow(renders[f"sqlite-shards{shards}-api1"])["jobs"]

    for name in ("tests", "everything"):
        summary = next(step for step in jobs[name]["steps"] if step.get("name") == "job summary")
        assert summary["if"] == "${{ !cancelled() }}"
        assert summary["run"] == (
            "uv run python -m tests.plugins.ci_summary --pyramid pyramid.json "
            '>> "$GITHUB_STEP_SUMMARY"'
        )
        # A shard's coverage is partial: only the combined report is judged (no false FAILED).
        has_coverage = any(step.get("name") == "coverage summary" for step in jobs[name]["steps"])
        assert has_coverage is (name == "tests" and shards == 1)
        upload = uses(jobs[name], "actions/upload-artifact")[0]
        assert upload["with"]["path"] == "pyramid.json"
        assert upload["with"]["name"].startswith(f"pyramid-{name}")
        assert upload["if"] == "${{ !cancelled() }}"
    coverage_job = jobs["coverage"] if shards > 1 else jobs["tests"]
    coverage = next(step for step in coverage_job["steps"]
                    if step.get("name") == "coverage summary")  # fmt: skip
    assert coverage["if"] == "${{ !cancelled() }}"
    assert coverage["run"].splitlines() == [  # coverage's own Markdown report, under a heading
        'echo "### Coverage" >> "$GITHUB_STEP_SUMMARY"',
        "uv run coverage report --format=markdown --skip-covered --show-missing --sort=cover "
        '>> "$GITHUB_STEP_SUMMARY"',
    ]
    if shards > 1:
        combine_and_gate = ["uv run coverage combine", "uv run coverage report"]
        assert runs(jobs["coverage"])[-3:-1] == combine_and_gate


@pytest.mark.parametrize("shards", [1, 3])
def test_shards_split_both_suites_by_stored_durations(
    renders: dict[str, Path], shards: int
) -> None:
    root = renders[f"sqlite-shards{shards}-api1"]
    jobs = load_workflow(root)["jobs"]
    split = SPLIT.format(shards=shards)

    for name in ("tests", "everything"):
        command = next(run for run in runs(jobs[name]) if run.startswith("uv run pytest"))
        assert (split in command) is (shards > 1)
        matrix = jobs[name].get("strategy", {}).get("matrix", {})
        assert matrix.get("group") == (list(range(1, shards + 1)) if shards > 1 else None)
    assert not (root / ".test_durations").exists()  # recorded by the project, as its docs say
    assert "--store-durations" in (root / "docs/testing.md").read_text()
    assert any(dep.startswith("pytest-split") for dep in dependency_names(root)) is (shards > 1)
    if shards > 1:
        # A shard's coverage is partial: fail_under is applied to the combined report.
        assert "--cov-fail-under=0" in runs(jobs["tests"])[1]
        assert jobs["coverage"]["needs"] == "tests"


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_postgresql_jobs_get_a_service_container_and_test_database_url(
    renders: dict[str, Path], database: str
) -> None:
    jobs = load_workflow(renders[f"{database}-shards1-api1"])["jobs"]

    for name in ("tests", "lowest", "everything"):
        if database == "postgresql":
            assert jobs[name]["services"]["postgres"]["image"].startswith("postgres:")
            assert jobs[name]["env"]["TEST_DATABASE_URL"].startswith("postgresql://")
            assert "5432:5432" in jobs[name]["services"]["postgres"]["ports"]
        else:
            assert "services" not in jobs[name]
            assert "env" not in jobs[name]
    assert "services" not in jobs["lint"]


# -- what the generated project tells and commits ------------------------------


def test_lock_file_is_committed_and_ci_reports_are_ignored(renders: dict[str, Path]) -> None:
    root = renders["sqlite-shards1-api1"]
    subprocess.run(["git", "init", "-q", str(root)], check=True)

    def ignored(name: str) -> bool:
        check = subprocess.run(["git", "-C", str(root), "check-ignore", "-q", name], check=False)
        return check.returncode == 0

    assert not ignored("uv.lock")
    assert ignored("pyramid.json")
    assert ignored("coverage.json")
    readme = (root / "README.md").read_text()
    assert "Commit `uv.lock`" in readme
    assert "uv sync --locked" in readme
    assert "uv run pre-commit install" in readme
    assert "uv sync --resolution lowest-direct" in readme
    assert "uv.lock is committed" in (root / ".gitignore").read_text()
    message = yaml.safe_load((TEMPLATE_ROOT / "copier.yml").read_text())["_message_after_copy"]
    assert "uv sync && uv run pytest\n  git init && git add -A && git commit" in message
    assert "commit it with the rest" in message


@pytest.mark.render
def test_ci_none_renders_no_github_folder_and_no_durations(tmp_path: Path) -> None:
    root = render(tmp_path / "project", ci="none", ci_shards=3)

    assert not (root / ".github").exists()
    assert not (root / ".test_durations").exists()
    assert not any(dep.startswith("pytest-split") for dep in dependency_names(root))
    assert "## Continuous integration" not in (root / "README.md").read_text()


@pytest.mark.render
@pytest.mark.parametrize("shards", [0, -2])
def test_ci_shards_below_one_is_refused_with_what_is_accepted(tmp_path: Path, shards: int) -> None:
    destination = tmp_path / "project"

    with pytest.raises(ValueError, match=r"ci_shards must be a whole number .* 1 or more"):
        render(destination, ci_shards=shards)

    assert not destination.exists()
