"""The 0.2.0 renames reach the user's code that imports them, and nothing else."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from harness.project import TEMPLATE_ROOT


def load_migrate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("migrate", TEMPLATE_ROOT / "hooks/migrate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["migrate"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


migrate = load_migrate()

IMPORTS_THE_HELPERS = """\
from tests.plugins.database import TestDatabase
from tests.plugins.tracker import TestDataTracker


async def test_reaches(test_database: TestDatabase, test_data_tracker: TestDataTracker) -> None:
    assert test_database.url
"""
OWN_TEST_CLASS = """\
class TestDatabase:
    def test_connects(self) -> None:
        assert True
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "tests/e2e").mkdir(parents=True)
    (tmp_path / "tests/e2e/test_pyramid_e2e.py").write_text(IMPORTS_THE_HELPERS)
    (tmp_path / "tests/test_database.py").write_text(OWN_TEST_CLASS)
    return tmp_path


def test_update_from_0_1_0_renames_the_imported_helpers_only(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert migrate.main(["--from", "0.1.0", "--to", "0.2.0", "--project", str(project)]) == 0

    assert (project / "tests/e2e/test_pyramid_e2e.py").read_text() == (
        IMPORTS_THE_HELPERS.replace("TestDataTracker", "DataTracker").replace(
            "TestDatabase", "WorkerDatabase"
        )
    )
    assert (project / "tests/test_database.py").read_text() == OWN_TEST_CLASS
    printed = capsys.readouterr().out
    renamed = "tests/e2e/test_pyramid_e2e.py: identifier TestDatabase -> WorkerDatabase (2x)"
    assert renamed in printed


EDITED_CONFTEST = """\
from tests.plugins.postgres_databases import RunDatabases

pytest_plugins = ["tests.plugins.settings", "tests.plugins.pyramid", "tests.plugins.pyramids"]
"""


def test_update_from_0_1_0_points_a_kept_plugin_list_at_the_merged_modules(
    tmp_path: Path,
) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests/conftest.py").write_text(EDITED_CONFTEST)

    assert migrate.main(["--from", "0.1.0", "--to", "0.2.0", "--project", str(tmp_path)]) == 0

    assert (tmp_path / "tests/conftest.py").read_text() == (
        "from tests.plugins.postgresql_provider import RunDatabases\n\n"
        'pytest_plugins = ["tests.plugins.settings", "tests.plugins.tiers", '
        '"tests.plugins.pyramids"]\n'
    )


def test_every_module_a_rename_points_at_exists_in_the_template() -> None:
    modules = [r.new for r in migrate.load_renames(TEMPLATE_ROOT / "hooks/renames.toml")]
    for module in (m for m in modules if m.startswith("tests.plugins.")):
        name = module.removeprefix("tests.plugins.")
        assert (TEMPLATE_ROOT / "template/tests/plugins" / f"{name}.py").is_file(), module


def test_an_update_that_does_not_cross_0_2_0_renames_nothing(project: Path) -> None:
    assert migrate.main(["--from", "0.2.0", "--to", "0.3.0", "--project", str(project)]) == 0

    assert (project / "tests/e2e/test_pyramid_e2e.py").read_text() == IMPORTS_THE_HELPERS


def test_a_bad_imported_from_is_refused_naming_the_entry(tmp_path: Path) -> None:
    renames = tmp_path / "renames.toml"
    renames.write_text(
        '[[rename]]\nversion = "0.2.0"\nkind = "identifier"\nold = "A"\nnew = "B"\n'
        'imported_from = "not a module"\n'
    )

    with pytest.raises(migrate.MigrationError, match=r"rename #1: imported_from = 'not a module'"):
        migrate.load_renames(renames)
