"""Adoption: the test suite rendered onto a backend the template did not generate.

tests/sample_backend is a small existing project with its own names (a
declarative base called ``Model``, ``open_session``, ``unit_of_work``). The
template renders only tests/, docs and a pytest configuration to merge, and the
rendered suite passes against the sample's code, which stays untouched.
"""

from __future__ import annotations

import hashlib
import shutil
import tomllib
from pathlib import Path

import copier
import pytest

from tests.project import TEMPLATE_ROOT, GeneratedProject

SAMPLE = Path(__file__).parent / "sample_backend"
SEAMS = {
    "backend": "existing",
    "project_name": "Warehouse",
    "package_name": "warehouse",
    "base_import": "warehouse.db:Model",
    "session_import": "warehouse.db:open_session",
    "unit_of_work_import": "warehouse.uow:unit_of_work",
    "entities_module": "warehouse.domain",
    "engine_dispose_import": "warehouse.db:close_engine",
}


def fingerprint(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def adopted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("adoption") / "warehouse"
    shutil.copytree(SAMPLE, root)
    before = fingerprint(root)
    copier.run_copy(str(TEMPLATE_ROOT), root, data=SEAMS, defaults=True, vcs_ref="HEAD", quiet=True)
    return root, before


def test_adoption_renders_tests_and_config_without_touching_the_backend(
    adopted: tuple[Path, dict[str, str]],
) -> None:
    root, before = adopted
    after = fingerprint(root)

    assert {name: after[name] for name in before} == before
    assert (root / "tests/conftest.py").is_file()
    assert (root / "tests/plugins/seams.py").is_file()
    assert (root / "docs/testing.md").is_file()
    assert not (root / "tests/unit/domain").exists()
    assert not (root / "src/warehouse/infrastructure").exists()
    snippet = tomllib.loads((root / "pyproject.test-pyramid.toml").read_text())
    assert "pytest-asyncio>=1.1,<2" in snippet["dependency-groups"]["test"]
    assert snippet["tool"]["pytest"]["ini_options"]["asyncio_default_test_loop_scope"] == "session"


def test_seams_name_the_backends_own_objects(adopted: tuple[Path, dict[str, str]]) -> None:
    root, _ = adopted
    seams = (root / "tests/plugins/seams.py").read_text()

    assert "from warehouse.db import Model" in seams
    assert "from warehouse.db import close_engine as dispose_application_engine" in seams
    assert (
        "from warehouse.uow import unit_of_work"
        in (root / "tests/fixtures/mock_uow.py").read_text()
    )


def install(adopted: tuple[Path, dict[str, str]], destination: Path) -> GeneratedProject:
    """What the user does next: merge the pytest configuration, install the test group."""
    root = destination / "warehouse"
    shutil.copytree(adopted[0], root)
    with (root / "pyproject.toml").open("a") as pyproject:
        pyproject.write("\n" + (root / "pyproject.test-pyramid.toml").read_text())
    project = GeneratedProject(root, root / ".venv")
    project.run("uv", "sync", "--quiet", "--compile-bytecode", "--group", "test", check=True)
    return project


def test_adopted_suite_passes_once_the_config_is_merged(
    adopted: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    project = install(adopted, tmp_path)

    run = project.pytest("-p", "no:randomly")

    assert run.returncode == 0, run.output
    assert run.outcomes["passed"] == 9
    assert "pyramid: shape of this run" in run.output
    for seed in ("1", "2"):
        shuffled = project.pytest("-n", "2", f"--randomly-seed={seed}")
        assert shuffled.returncode == 0, shuffled.output


def test_adopted_suite_catches_a_lock_violation_in_the_backends_code(
    adopted: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    project = install(adopted, tmp_path)
    project.write(
        "tests/integration/test_violation.py",
        "from sqlalchemy import text\n"
        "from warehouse.db import open_session\n\n\n"
        "async def test_opens_its_own_session(db_session):\n"
        "    async with open_session() as session:\n"
        "        await session.execute(text('SELECT 1'))\n",
    )

    run = project.pytest("tests/integration/test_violation.py")

    run.assert_outcomes(failed=1)
    assert "A second database connection was opened while db_session" in run.output
