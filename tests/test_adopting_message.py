"""What an adopting copy tells the user to run: one command, safe to paste, no ``cd .``.

Copier prints ``_message_after_copy``; the generated docs/testing.md starts its
"Adopting" section with the same block. Both are checked on a copy into a
sample backend (a render, no install).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import copier
import pytest

from harness.project import TEMPLATE_ROOT
from tests.test_adoption import LINT_RULES

pytestmark = pytest.mark.render

SAMPLES = Path(__file__).parent / "samples"
COMMAND = "python3 tests/plugins/add_test_dependencies.py"
ANSWERS = {
    "backend": "existing",
    "package_name": "warehouse",
    "base_import": "warehouse.db:Model",
    "session_import": "warehouse.db:open_session",
    "entities_module": "warehouse.domain",
    "unit_of_work_import": "warehouse.uow:unit_of_work",  # the seams' optional imports, linted
    "engine_dispose_import": "warehouse.db:close_engine",
}


def copy_and_read_the_message(
    destination: str, cwd: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> str:
    monkeypatch.chdir(cwd)
    capsys.readouterr()
    copier.run_copy(
        str(TEMPLATE_ROOT), destination, data=ANSWERS, defaults=True, vcs_ref="HEAD", unsafe=False
    )
    return capsys.readouterr().err


def test_a_copy_into_the_current_folder_prints_the_one_command_and_no_cd(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "warehouse"
    shutil.copytree(SAMPLES / "warehouse", project)

    message = copy_and_read_the_message(".", project, capsys, monkeypatch)

    assert f"\n    {COMMAND}\n" in message, message
    assert "cd ." not in message
    assert "cd " not in message.split(COMMAND)[0]
    block = (project / "docs/testing.md").read_text().split("```bash\n", 1)[1].split("```")[0]
    assert block == f"{COMMAND}\n"


def test_a_copy_into_another_folder_says_to_run_it_there_quoted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(SAMPLES / "warehouse", tmp_path / "my backend")

    message = copy_and_read_the_message("my backend", tmp_path, capsys, monkeypatch)

    assert "run\nthis from the project's root (first: cd 'my backend')" in message, message
    assert f"\n    {COMMAND}\n" in message


REFERENCE_BACKEND_NAMES = re.compile(r"music|playlist|artist|add_track", re.IGNORECASE)
"""The reference backend's names, which have no business in someone else's project."""


def test_an_adopting_copy_names_nothing_of_the_reference_backend(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "warehouse"
    shutil.copytree(SAMPLES / "warehouse", project)

    copy_and_read_the_message(".", project, capsys, monkeypatch)

    added = [project / "conftest.py", *sorted((project / "tests/plugins").glob("*.py"))]
    named = {path.name for path in added if REFERENCE_BACKEND_NAMES.search(path.read_text())}
    assert len(added) > 10
    assert named == set()


def test_what_an_adopting_copy_adds_is_lint_clean_under_the_reference_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "warehouse"
    shutil.copytree(SAMPLES / "warehouse", project)
    copy_and_read_the_message(".", project, capsys, monkeypatch)

    settings = [
        "--line-length=100", "--target-version=py311",
        "--config=lint.isort.known-first-party=['warehouse', 'tests']",
    ]  # fmt: skip
    examples = sorted(project.glob("tests/*/test_pyramid_*.py"))
    files = ["conftest.py", "tests/plugins", *(str(path.relative_to(project)) for path in examples)]
    for command in (["check", f"--select={LINT_RULES}"], ["format", "--check"]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command, *settings, *files],
            cwd=project, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
