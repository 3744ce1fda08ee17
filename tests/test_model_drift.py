"""A model change without its revision fails once, clearly, and the printed command fixes it.

One copy of the default render gets a column on a model and no revision. Its
whole suite then fails one test, the drift test, which names the column and
prints a command; that command, run as printed, writes the revision and leaves
no other file behind; the suite passes again. (The field test of updates from
0.1.0 runs the same command through a real ``uv run``.)
"""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from harness.project import GeneratedProject
from tests.test_migrations import MODELS, add_genre_to_tracks, failure_of

pytestmark = pytest.mark.render


def project_files(project: GeneratedProject) -> set[str]:
    """Every file a run could leave in the project (caches and pytest's temp roots aside)."""
    return {
        str(path.relative_to(project.root))
        for path in project.root.rglob("*")
        if path.is_file() and not {"__pycache__", ".pytest_cache", ".ruff_cache"} & set(path.parts)
    }


def uv_shim(folder: Path, project: GeneratedProject) -> dict[str, str]:
    """``uv run X`` as the shared venv's ``X``: the copy shares the render's environment."""
    folder.mkdir()
    shim = folder / "uv"
    shim.write_text(
        '#!/bin/bash\n[ "$1" = run ] && shift\nexec "'
        + str(project.venv / "bin")
        + '/$1" "${@:2}"\n'
    )
    shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    return {"PATH": f"{folder}:/usr/bin:/bin"}


def test_column_without_revision_fails_only_the_drift_test_and_its_command_fixes_it(
    scratch_project: GeneratedProject, tmp_path: Path
) -> None:
    env = {"PYTHONPATH": str(scratch_project.root / "src")}  # the copy's models, not the render's
    add_genre_to_tracks(scratch_project)
    before = project_files(scratch_project)

    drifted = scratch_project.pytest("-p", "no:randomly", env=env)

    drifted.assert_outcomes(failed=1, error=0)
    assert "no such column" not in drifted.output
    report = failure_of(drifted, "test_migrations_build_the_schema_the_models_declare")
    assert "column tracks.genre: in the models, not in the migrations" in report
    command = re.search(r"^Write the missing revision: (.+)$", report, re.MULTILINE)
    assert command is not None, report
    assert command.group(1) == (
        "uv run pytest tests/integration/test_migrations.py "
        '--pyramid-new-revision="catch up with the models"'
    )

    written = scratch_project.run(
        "bash", "-c", command.group(1), env={**env, **uv_shim(tmp_path / "bin", scratch_project)}
    )

    assert written.returncode == 0, written.stdout + written.stderr
    added = project_files(scratch_project) - before
    assert len(added) == 1, added
    (revision,) = added
    assert re.fullmatch(r"migrations/versions/[0-9a-f]{12}_catch_up_with_the_models\.py", revision)
    assert "add_column" in scratch_project.read(revision)
    assert project_files(scratch_project) - {revision} == before
    fixed = scratch_project.pytest("-p", "no:randomly", "tests/integration", env=env)
    assert fixed.returncode == 0, fixed.output
    assert "genre" in scratch_project.read(MODELS)
