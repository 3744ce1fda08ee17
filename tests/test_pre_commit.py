"""The generated pre-commit hooks: they fix what they can and block what they cannot.

Every hook is local and runs from the project's environment, so these runs
need no network: pre-commit is pointed at the installed default project's
virtual environment (``UV_PROJECT_ENVIRONMENT``, without syncing it).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from harness.project import GeneratedProject

pytestmark = pytest.mark.render

HEADING = "Release notes\n=============\n\nText under a setext heading.\n"
CONFLICT = (
    "name = 'music'\n"
    "<<<<<<< before updating\n"
    "version = 1\n"
    "=======\n"
    "version = 2\n"
    ">>>>>>> after updating\n"
)


def pre_commit(
    project: GeneratedProject, tmp_path: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    """``pre-commit run ARGS`` in a git repository holding the project's files."""
    if not (project.root / ".git").exists():
        project.run("git", "init", "-q", check=True)
    project.run("git", "add", "-A", check=True)
    return project.run(
        project.bin("pre-commit"),
        "run",
        *args,
        env={
            "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
            "UV_PROJECT_ENVIRONMENT": str(project.venv),
            "UV_NO_SYNC": "1",
        },
    )


def test_conflict_marker_hook_blocks_conflicts_but_not_markdown_headings(
    scratch_project: GeneratedProject, tmp_path: Path
) -> None:
    scratch_project.write("docs/notes.md", HEADING)
    scratch_project.write("settings.toml.orig", CONFLICT)

    headings = pre_commit(
        scratch_project, tmp_path, "no-conflict-markers", "--files", "docs/notes.md"
    )
    conflict = pre_commit(
        scratch_project, tmp_path, "no-conflict-markers", "--files", "settings.toml.orig"
    )

    assert headings.returncode == 0, headings.stdout + headings.stderr
    assert conflict.returncode == 1, conflict.stdout + conflict.stderr
    assert "settings.toml.orig:2:<<<<<<< before updating" in conflict.stdout
    assert "settings.toml.orig:6:>>>>>>> after updating" in conflict.stdout


def test_hooks_fix_lint_format_and_whitespace_then_pass(
    scratch_project: GeneratedProject, tmp_path: Path
) -> None:
    messy = scratch_project.write(
        "src/music_library/messy.py",
        "import sys, os\n\n\ndef shout(text):  \n    return  text.upper( )\n\n\n\n",
    )
    notes = scratch_project.write("docs/notes.md", HEADING.replace("heading.", "heading. "))
    files = ["--files", "src/music_library/messy.py", "docs/notes.md"]

    first = pre_commit(scratch_project, tmp_path, *files)
    fixed = scratch_project.run("git", "diff", "--name-only", check=True).stdout.split()
    second = pre_commit(scratch_project, tmp_path, *files)

    assert first.returncode == 1, first.stdout + first.stderr
    assert "files were modified by this hook" in first.stdout
    assert second.returncode == 0, second.stdout + second.stderr
    assert messy.read_text() == "def shout(text):\n    return text.upper()\n"
    assert notes.read_text() == HEADING
    assert sorted(fixed) == ["docs/notes.md", "src/music_library/messy.py"]


def test_a_fresh_render_passes_every_hook(
    scratch_project: GeneratedProject, tmp_path: Path
) -> None:
    run = pre_commit(scratch_project, tmp_path, "--all-files")

    assert run.returncode == 0, run.stdout + run.stderr
    assert "Failed" not in run.stdout
