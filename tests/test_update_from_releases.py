"""`copier update` from each real past release to this working tree, as a user's Copier sees it.

A scratch clone of this repository gets the tags a user's Copier reads: 0.1.0 on
commit 854c806, and the version of ``CHANGELOG.md``'s newest heading on a commit
of the working tree. A project rendered from 0.1.0 (by that tag's own template,
with the copier these tests use) is updated with ``--trust`` (0.2.0 ships a rename
migration), once as rendered and once after the edits a team makes: a model
column, a factory default, a fixture in ``tests/conftest.py``, a dependency and a
ruff rule. The outcomes checked are the ones docs/updating.md promises.
"""

from __future__ import annotations

import difflib
import importlib.util
import re
import shutil
import sys
from pathlib import Path
from types import ModuleType

import copier
import pytest
from copier.errors import UnsafeTemplateError

from harness.project import QUALITY_CHECKS, TEMPLATE_ROOT, GeneratedProject, PytestRun
from harness.sharing import build_once
from tests.test_update import NOT_COPIED, edit, git

pytestmark = [pytest.mark.field, pytest.mark.usefixtures("git_identity")]

PAST_RELEASES = {"0.1.0": "854c806"}
"""Every release users may be on, and the commit of this repository it was tagged on."""
USER_OWNED = ("README.md", "src", "tests/fixtures", "tests/unit", "tests/integration", "tests/e2e")
"""docs/updating.md's "never touched" rows (the one template-owned file below is excepted)."""
TEMPLATE_OWNED_IN_USER_FOLDERS = {"tests/integration/test_migrations.py"}
CONFLICT = re.compile(
    r"^<<<<<<< before updating\n(.*?)^=======\n(.*?)^>>>>>>> after updating\n",
    re.MULTILINE | re.DOTALL,
)
MODELS = "src/music_library/infrastructure/persistence/models.py"
FIXTURE = '''

@pytest.fixture
def release_year() -> int:
    """The year our catalogue tests pretend it is."""
    return 2024
'''


def newest_release() -> str:
    """The version of CHANGELOG.md's first release heading: what this tree is released as."""
    match = re.search(r"^## (\d+\.\d+\.\d+)$", (TEMPLATE_ROOT / "CHANGELOG.md").read_text(), re.M)
    assert match, "CHANGELOG.md has no release heading like '## 0.2.0'"
    return match.group(1)


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory, git_identity: None) -> Path:
    """A clone of this repository with the past releases and this working tree tagged."""

    def tag_releases(folder: Path) -> None:
        repo = folder / "test-pyramid"
        git(folder, "clone", "-q", "--no-checkout", str(TEMPLATE_ROOT), str(repo))
        for tag in git(repo, "tag").split():
            git(repo, "tag", "-d", tag)
        for version, commit in PAST_RELEASES.items():
            git(repo, "tag", version, commit)
        shutil.copytree(TEMPLATE_ROOT, repo, ignore=NOT_COPIED, dirs_exist_ok=True)
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "--allow-empty", "-m", "this working tree")
        git(repo, "tag", newest_release())

    return build_once(tmp_path_factory, "past-releases", tag_releases) / "test-pyramid"


@pytest.fixture(scope="module")
def rendered_0_1_0(releases: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project copied from 0.1.0 with every default answer, committed (copy it to edit it)."""

    def render(folder: Path) -> None:
        project = folder / "music-library"
        copier.run_copy(str(releases), project, defaults=True, vcs_ref="0.1.0", quiet=True)
        git(project, "init", "-q", "-b", "main")
        git(project, "add", "-A")
        git(project, "commit", "-q", "-m", "copied from test-pyramid 0.1.0")

    return build_once(tmp_path_factory, "rendered-0.1.0", render) / "music-library"


@pytest.fixture(scope="module")
def migrate() -> ModuleType:
    """hooks/migrate.py, to compute what the rename migration is allowed to change."""
    path = TEMPLATE_ROOT / "hooks/migrate.py"
    spec = importlib.util.spec_from_file_location("template_hooks_migrate", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while defining
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def update(project: Path, **options: object) -> None:
    """``copier update --defaults --trust`` to the newest release, as docs/updating.md says."""
    copier.run_update(project, defaults=True, overwrite=True, quiet=True, unsafe=True, **options)


def user_owned_files(project: Path) -> dict[str, str]:
    files = {}
    for top in USER_OWNED:
        paths = [project / top] if (project / top).is_file() else (project / top).rglob("*")
        for path in paths:
            relative = str(path.relative_to(project))
            wanted = relative not in TEMPLATE_OWNED_IN_USER_FOLDERS
            if wanted and path.is_file() and "__pycache__" not in path.parts:
                files[relative] = path.read_text()
    return files


def renamed(migrate: ModuleType, text: str, version_from: str) -> str:
    """``text`` after the renames an update from ``version_from`` is allowed to make."""
    renames = migrate.due(
        migrate.load_renames(TEMPLATE_ROOT / "hooks/renames.toml"),
        migrate.parse_version(version_from),
        migrate.parse_version(newest_release()),
    )
    for rename in renames:
        text, _ = rename.apply(text)
    return text


def unmerged(project: Path) -> list[str]:
    """Files git records as conflicted (``UU``), as Copier leaves them."""
    return sorted(set(git(project, "diff", "--name-only", "--diff-filter=U").split()))


def files_with_markers(project: Path) -> list[str]:
    found = []
    for path in project.rglob("*"):
        ours = path.is_file() and ".git" not in path.parts and ".venv" not in path.parts
        if ours and CONFLICT.search(path.read_text(errors="ignore")):
            found.append(str(path.relative_to(project)))
    return sorted(found)


def changed_ranges(old: list[str], new: list[str]) -> list[tuple[int, int]]:
    """The line ranges of ``old`` that ``new`` changes (an insertion is an empty range)."""
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    return [(i1, i2) for tag, i1, i2, _, _ in matcher.get_opcodes() if tag != "equal"]


def touch(first: tuple[int, int], second: tuple[int, int]) -> bool:
    """Overlapping or adjacent ranges: git's three-way merge conflicts on both."""
    return first[0] <= second[1] and second[0] <= first[1]


def team_edits(project: Path) -> None:
    """What a team on 0.1.0 does: a model column, a factory default, a fixture, a dep, a rule."""
    edit(
        project / MODELS,
        "    isrc: Mapped[str | None] = mapped_column(String(12), unique=True)\n",
        "    isrc: Mapped[str | None] = mapped_column(String(12), unique=True)\n"
        "    genre: Mapped[str | None] = mapped_column(String(50))\n",
    )
    edit(
        project / "tests/fixtures/factories.py",
        'return Artist(name=name or unique_name("Artist")',
        'return Artist(name=name or unique_name("Band")',
    )
    with (project / "tests/conftest.py").open("a") as conftest:
        conftest.write(FIXTURE)
    pyproject = project / "pyproject.toml"
    edit(pyproject, '    "uvicorn>=0.30,<1",\n', '    "uvicorn>=0.30,<1",\n    "anyio>=4,<5",\n')
    edit(pyproject, '"PIE", "RET"]', '"PIE", "RET", "PERF"]')
    git(project, "commit", "-qam", "our own work")


def resolve(project: Path, path: str) -> None:
    """As docs/updating.md says: edit to the version we want, delete the markers.

    We want the template's lines with our ruff rule kept in them.
    """
    file = project / path
    text = CONFLICT.sub(lambda hunk: hunk.group(2), file.read_text())
    if '"PERF"' not in text:
        text = text.replace('"PIE", "RET"]', '"PIE", "RET", "PERF"]', 1)
    file.write_text(text)
    git(project, "add", path)


def install(project: Path) -> GeneratedProject:
    """``uv sync``: the update changed the dependencies (docs/updating.md, step 1)."""
    installed = GeneratedProject(project, project / ".venv")
    installed.run("uv", "sync", "--quiet", check=True)
    return installed


def revision_command(run: PytestRun) -> str:
    """The command the drift failure prints to write the missing revision."""
    match = re.search(r"^Write the missing revision: (.+)$", run.output, re.MULTILINE)
    assert match, run.output
    return match.group(1).strip()


def test_unedited_project_updates_from_0_1_0_without_conflict(
    rendered_0_1_0: Path, migrate: ModuleType, tmp_path: Path
) -> None:
    project = tmp_path / "music-library"
    shutil.copytree(rendered_0_1_0, project)
    before = user_owned_files(project)
    with pytest.raises(UnsafeTemplateError):
        copier.run_update(project, defaults=True, overwrite=True, quiet=True)
    assert git(project, "status", "--porcelain") == ""  # refused: nothing changed

    update(project)

    answers = (project / ".copier-answers.yml").read_text()
    assert f"_commit: {newest_release()}\n" in answers
    assert unmerged(project) == []
    assert files_with_markers(project) == []
    assert not list(project.rglob("*.rej"))
    after = user_owned_files(project)
    assert sorted(after) == sorted(before), "the update added or removed a user-owned file"
    written = [path for path in before if after[path] != renamed(migrate, before[path], "0.1.0")]
    assert written == [], "the update wrote user-owned files beyond the renames"
    assert "TestDataTracker" not in "".join(after.values())
    run = install(project).pytest("-p", "no:randomly")
    assert run.returncode == 0, run.output


def test_edited_project_conflicts_only_where_the_team_and_the_template_both_changed(
    rendered_0_1_0: Path, releases: Path, migrate: ModuleType, tmp_path: Path
) -> None:
    project = tmp_path / "music-library"
    shutil.copytree(rendered_0_1_0, project)
    team_edits(project)
    edited = {path: (project / path).read_text() for path in git(project, "ls-files").split()}
    original = {
        path: git(project, "show", f"HEAD~1:{path}") for path in git(project, "ls-files").split()
    }
    before = user_owned_files(project)
    newest = tmp_path / "newest"
    copier.run_copy(str(releases), newest, defaults=True, vcs_ref=newest_release(), quiet=True)

    update(project)

    conflicted = unmerged(project)
    assert files_with_markers(project) == conflicted
    for path in conflicted:
        old = original[path].splitlines()
        ours = changed_ranges(old, edited[path].splitlines())
        theirs = changed_ranges(old, (newest / path).read_text().splitlines())
        assert ours, f"{path} conflicts but the team did not change it"
        for hunk in CONFLICT.finditer((project / path).read_text()):
            mine = [line for line in hunk.group(1).splitlines() if line not in old]
            assert mine, f"{path}: a conflict hunk without the team's lines:\n{hunk.group(0)}"
        assert any(touch(a, b) for a in ours for b in theirs), path
    after = user_owned_files(project)
    written = [path for path in before if after[path] != renamed(migrate, before[path], "0.1.0")]
    assert written == [], "the update wrote user-owned files beyond the renames"
    assert "genre: Mapped" in (project / MODELS).read_text()
    assert 'unique_name("Band")' in (project / "tests/fixtures/factories.py").read_text()
    assert "def release_year() -> int:" in (project / "tests/conftest.py").read_text()
    assert '"anyio>=4,<5"' in (project / "pyproject.toml").read_text()

    for path in conflicted:
        resolve(project, path)
    installed = install(project)
    drifted = installed.pytest("-p", "no:randomly")
    assert drifted.outcomes.get("failed") == 1, drifted.output
    assert "tracks.genre" in drifted.output
    command = revision_command(drifted)
    written_revision = installed.run("sh", "-c", command)
    assert written_revision.returncode == 0, written_revision.stdout + written_revision.stderr
    assert git(project, "status", "--porcelain", "--ignored", "--", "*.db") == ""
    run = installed.pytest("-p", "no:randomly")
    assert run.returncode == 0, run.output
    installed.run(installed.bin("ruff"), "format", ".", check=True)  # CHANGELOG, Upgrading
    for check in QUALITY_CHECKS:
        result = installed.tool(check.values[0])
        assert result.returncode == 0, result.stdout + result.stderr
