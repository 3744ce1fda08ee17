"""`copier update` keeps the user's work, brings the template's, and migrates renames.

A temporary git repository of this template gets three tagged releases:
0.2.0 (as it is), 0.3.0 (changes a template-owned file, a user-owned file and a
setting) and 0.4.0 (renames the ``assert_max_queries`` fixture, with a
migration). A project copied from 0.2.0 and edited by its user is updated
through both.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import copier
import pytest
from copier.errors import UnsafeTemplateError

from harness.project import TEMPLATE_ROOT, GeneratedProject
from harness.sharing import build_once

pytestmark = [pytest.mark.render, pytest.mark.usefixtures("git_identity")]

NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache", "site", "uv.lock"
)
MIGRATION = """_migrations:
  - version: "0.4.0"
    command:
      - "{{ _copier_python }}"
      - "{{ _copier_conf.src_path }}/hooks/migrate.py"
      - "--from"
      - "{{ _version_from }}"
      - "--to"
      - "{{ _version_to }}"
"""


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return result.stdout


def release(repo: Path, version: str, change: Callable[[Path], None] | None = None) -> None:
    if change is not None:
        change(repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", f"release {version}")
    git(repo, "tag", version)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


def release_0_3_0(repo: Path) -> None:
    """Template-owned: a plugin docstring and a setting. User-owned: an example test."""
    edit(
        repo / "template/tests/plugins/tiers.py",
        '"""Tiers by folder',
        '"""Release 0.3.0 note.\n\nTiers by folder',
    )
    edit(
        repo / "template/.partials/pytest-options.toml.jinja",
        'pyramid_tolerance = "10"',
        'pyramid_tolerance = "8"',
    )
    with (repo / "template/tests/unit/domain/test_playlist.py.jinja").open("a") as module:
        module.write("\n\ndef test_added_in_release_0_3_0() -> None:\n    assert True\n")


def release_0_4_0(repo: Path) -> None:
    """Rename the assert_max_queries fixture everywhere, with a migration for users."""
    for path in (repo / "template").rglob("*"):
        if path.is_file() and "assert_max_queries" in path.read_text():
            path.write_text(re.sub(r"\bassert_max_queries\b", "query_budget", path.read_text()))
    with (repo / "hooks/renames.toml").open("a") as renames:
        renames.write(
            '\n[[rename]]\nversion = "0.4.0"\nkind = "identifier"\n'
            'old = "assert_max_queries"\nnew = "query_budget"\n'
        )
    edit(repo / "copier.yml", "_migrations:\n", MIGRATION)  # one more, after this release's


@pytest.fixture(scope="module")
def template_repo(tmp_path_factory: pytest.TempPathFactory, git_identity: None) -> Path:
    """This template with three releases tagged in its git history (made once per session)."""

    def make_releases(folder: Path) -> None:
        repo = folder / "test-pyramid"
        shutil.copytree(TEMPLATE_ROOT, repo, ignore=NOT_COPIED)
        git(repo, "init", "-q", "-b", "main")
        release(repo, "0.2.0")
        release(repo, "0.3.0", release_0_3_0)
        release(repo, "0.4.0", release_0_4_0)

    return build_once(tmp_path_factory, "releases", make_releases) / "test-pyramid"


def copy_project(template_repo: Path, destination: Path, version: str) -> Path:
    copier.run_copy(str(template_repo), destination, defaults=True, vcs_ref=version, quiet=True)
    git(destination, "init", "-q", "-b", "main")
    git(destination, "add", "-A")
    git(destination, "commit", "-q", "-m", "copied from the template")
    return destination


def update(project: Path, version: str, **options: object) -> None:
    copier.run_update(
        project, defaults=True, overwrite=True, vcs_ref=version, quiet=True, **options
    )


def user_edits(project: Path) -> None:
    """What a team does in its first months: own tests, tweaks, deletions."""
    (project / "tests/integration/repositories/test_my_feature.py").write_text(
        "from music_library.infrastructure.persistence import get_unit_of_work\n"
        "from tests.fixtures import make_track\n\n\n"
        "async def test_my_track_loads_in_one_query(db_session, assert_max_queries):\n"
        "    tracks = get_unit_of_work(db_session).get_track_repository()\n"
        "    saved = await tracks.save_track(make_track())\n"
        "    with assert_max_queries(3):\n"
        "        await tracks.get_by_id(saved.id)\n"
    )
    edit(project / "tests/fixtures/names.py", 'f"TEST_{prefix}_', 'f"OURS_{prefix}_')
    (project / "tests/unit/domain/test_track.py").unlink()
    edit(
        project / "pyproject.toml",
        'pyramid_unit_budget_ms = "100"',
        'pyramid_unit_budget_ms = "150"',
    )
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "our own work")


def conflict_markers(project: Path) -> list[str]:
    found = []
    for path in project.rglob("*"):
        if not path.is_file() or ".git" in path.parts:
            continue
        if re.search(r"^(<<<<<<< |>>>>>>> )", path.read_text(errors="ignore"), re.MULTILINE):
            found.append(str(path.relative_to(project)))
    return found


def test_update_keeps_user_work_and_brings_template_changes_then_migrates(
    template_repo: Path, tmp_path: Path, default_project: GeneratedProject
) -> None:
    project = copy_project(template_repo, tmp_path / "project", "0.2.0")
    user_edits(project)

    update(project, "0.3.0")

    pyproject = (project / "pyproject.toml").read_text()
    assert 'pyramid_unit_budget_ms = "150"' in pyproject  # the user's setting
    assert 'pyramid_tolerance = "8"' in pyproject  # the template's setting
    assert "Release 0.3.0 note." in (project / "tests/plugins/tiers.py").read_text()
    assert (
        "test_added_in_release_0_3_0"
        not in (project / "tests/unit/domain/test_playlist.py").read_text()
    )
    assert not (project / "tests/unit/domain/test_track.py").exists()
    assert 'f"OURS_{prefix}_' in (project / "tests/fixtures/names.py").read_text()
    assert (project / "tests/integration/repositories/test_my_feature.py").exists()
    assert conflict_markers(project) == []
    assert not list(project.rglob("*.rej"))
    assert "_commit: 0.3.0" in (project / ".copier-answers.yml").read_text()
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "update to 0.3.0")

    with pytest.raises(UnsafeTemplateError):
        update(project, "0.4.0")  # crossing a migration needs --trust
    update(project, "0.4.0", unsafe=True)

    assert "def query_budget(" in (project / "tests/plugins/suite.py").read_text()
    mine = (project / "tests/integration/repositories/test_my_feature.py").read_text()
    assert "db_session, query_budget" in mine
    assert "assert_max_queries" not in mine
    example = (project / "tests/integration/repositories/test_playlist_repository.py").read_text()
    assert "query_budget" in example
    assert "assert_max_queries" not in example
    assert conflict_markers(project) == []
    run = GeneratedProject(project, default_project.venv).pytest("-p", "no:randomly")
    assert run.returncode == 0, run.output


def test_copy_of_a_release_with_migrations_needs_no_trust(
    template_repo: Path, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    copier.run_copy(str(template_repo), project, defaults=True, vcs_ref="0.4.0", quiet=True)

    assert "def query_budget(" in (project / "tests/plugins/suite.py").read_text()


@pytest.mark.parametrize(("conflict", "expected"), [("inline", "markers"), ("rej", "rej file")])
def test_genuine_conflict_is_shown_and_blocked_by_pre_commit(
    template_repo: Path,
    tmp_path: Path,
    default_project: GeneratedProject,
    conflict: str,
    expected: str,
) -> None:
    project = copy_project(template_repo, tmp_path / "project", "0.2.0")
    edit(project / "pyproject.toml", 'pyramid_tolerance = "10"', 'pyramid_tolerance = "12"')
    git(project, "commit", "-qam", "looser tolerance")

    update(project, "0.3.0", conflict=conflict)

    if expected == "markers":
        assert conflict_markers(project) == ["pyproject.toml"]
        changed = ["pyproject.toml"]
    else:
        assert conflict_markers(project) == []
        changed = [str(path.relative_to(project)) for path in project.rglob("*.rej")]
        assert changed == ["pyproject.toml.rej"]
    hooks = subprocess.run(
        [default_project.bin("pre-commit"), "run", "--files", *changed],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit")},
        check=False,
    )
    hook = "no unresolved conflict markers" if conflict == "inline" else "no .rej files"
    assert hooks.returncode == 1, hooks.stdout
    assert re.search(rf"^{hook}.*Failed$", hooks.stdout, re.MULTILINE), hooks.stdout
