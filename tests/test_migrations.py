"""The schema under test is the schema that ships: Alembic builds it, drift and bad downgrades fail.

Each scenario runs on both ``database`` answers (PostgreSQL from ``server_url``)
in a copy of the installed render. The copy's ``src`` comes first on
``PYTHONPATH``, so a model edited in the copy is the model its tests and its
``alembic`` command import (the shared virtual environment's editable install
points at the original render).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import copier
import pytest

from harness.project import TEMPLATE_ROOT, GeneratedProject, PytestRun, render

pytestmark = pytest.mark.render

MIGRATION_TESTS = "tests/integration/test_migrations.py"
ISOLATION_TESTS = "tests/integration/repositories/test_isolation.py"
MODELS = "src/music_library/infrastructure/persistence/models.py"
INITIAL_REVISION = "migrations/versions/5a1f0c3e9b2d_initial_schema.py"
TRACK_COLUMN = "    isrc: Mapped[str | None] = mapped_column(String(12), unique=True)\n"
GENRE_COLUMN = "    genre: Mapped[str | None] = mapped_column(String(50))\n"
BROKEN_DOWNGRADE = '''"""Trim track titles (data only: the schema is unchanged)."""

from alembic import op

revision = "0badd0e5cafe"
down_revision = "5a1f0c3e9b2d"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE tracks SET title = TRIM(title)")


def downgrade() -> None:
    raise RuntimeError("trimmed titles cannot be restored")
'''
DATABASE_SCRIPT = """
import asyncio, os, sys
import asyncpg
async def main():
    connection = await asyncpg.connect(os.environ["TEST_DATABASE_URL"])
    await connection.execute(f'{sys.argv[1]} DATABASE "{sys.argv[2]}"')
    await connection.close()
asyncio.run(main())
"""


@dataclass
class MigratingProject:
    """A copy of a render, the environment its commands need, and its scratch databases."""

    project: GeneratedProject
    database: str
    server_url: str | None = None
    scratch: list[str] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        env = {"PYTHONPATH": str(self.project.root / "src")}
        if self.server_url is not None:
            env["TEST_DATABASE_URL"] = self.server_url
        return env

    def pytest(self, *args: str) -> PytestRun:
        return self.project.pytest("-p", "no:randomly", *args, env=self.env)

    def alembic(self, *args: str, database_url: str) -> str:
        """``alembic *args`` with ``DATABASE_URL`` set; its output (it must succeed)."""
        result = self.project.run(
            self.project.bin("alembic"), *args, env={**self.env, "DATABASE_URL": database_url}
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout + result.stderr

    def empty_database_url(self) -> str:
        """A new empty database (a file, or a database on the server dropped at the end)."""
        name = f"migrations_{uuid.uuid4().hex[:12]}"
        if self.server_url is None:
            return f"sqlite+aiosqlite:///{self.project.root.parent / f'{name}.db'}"
        self.run_on_server("CREATE", name)
        self.scratch.append(name)
        server = self.server_url.split("://", 1)[1].rsplit("/", 1)[0]
        return f"postgresql+asyncpg://{server}/{name}"

    def run_on_server(self, statement: str, name: str) -> None:
        self.project.run(
            self.project.bin("python"), "-c", DATABASE_SCRIPT, statement, name,
            env=self.env, check=True,
        )  # fmt: skip

    def drop_scratch(self) -> None:
        for name in self.scratch:
            self.run_on_server("DROP", name)


@pytest.fixture(params=["sqlite", "postgresql"])
def migrating(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MigratingProject]:
    """A private copy of the render for the ``database`` answer in the test's id."""
    if request.param == "sqlite":
        render: GeneratedProject = request.getfixturevalue("default_project")
        project = MigratingProject(render.clone(tmp_path / "project"), "sqlite")
    else:
        render = request.getfixturevalue("postgresql_project")
        server_url: str = request.getfixturevalue("server_url")
        project = MigratingProject(render.clone(tmp_path / "project"), "postgresql", server_url)
    yield project
    project.drop_scratch()


def add_genre_to_tracks(project: GeneratedProject) -> None:
    models = project.read(MODELS)
    assert TRACK_COLUMN in models
    project.write(MODELS, models.replace(TRACK_COLUMN, TRACK_COLUMN + GENRE_COLUMN))


def failure_of(run: PytestRun, test_name: str) -> str:
    """The report of one failed test: from its ``___ name ___`` banner to the next banner."""
    match = re.search(rf"_+ {test_name} _+\n(.*?)(?=\n_{{3,}} |\n={{3,}} )", run.output, re.S)
    assert match is not None, run.output
    return match.group(1)


def test_alembic_upgrade_head_builds_an_empty_database_that_matches_the_models(
    migrating: MigratingProject,
) -> None:
    url = migrating.empty_database_url()

    upgraded = migrating.alembic("upgrade", "head", database_url=url)
    checked = migrating.alembic("check", database_url=url)
    current = migrating.alembic("current", database_url=url)

    assert "Running upgrade  -> 5a1f0c3e9b2d" in upgraded
    assert "No new upgrade operations detected" in checked
    assert "5a1f0c3e9b2d (head)" in current


def test_fresh_render_passes_its_migration_tests_on_a_schema_built_by_the_migrations(
    migrating: MigratingProject,
) -> None:
    run = migrating.pytest(MIGRATION_TESTS, ISOLATION_TESTS)

    assert run.returncode == 0, run.output
    run.assert_outcomes(passed=9, failed=0, error=0, deselected=0)
    assert "test schema: migrations (alembic.ini, upgrade head)" in run.output


def test_column_without_revision_fails_drift_test_then_autogenerated_revision_passes(
    migrating: MigratingProject,
) -> None:
    add_genre_to_tracks(migrating.project)

    drifted = migrating.pytest(MIGRATION_TESTS)

    assert drifted.returncode == 1, drifted.output
    drifted.assert_outcomes(passed=1, failed=1, deselected=0)
    report = failure_of(drifted, "test_migrations_build_the_schema_the_models_declare")
    assert "column tracks.genre: in the models, not in the migrations" in report
    assert "--pyramid-new-revision=" in report
    assert "Traceback" not in report

    url = migrating.empty_database_url()
    migrating.alembic("upgrade", "head", database_url=url)
    written = migrating.alembic(
        "revision", "--autogenerate", "-m", "add track genre", database_url=url
    )
    assert "Detected added column 'tracks.genre'" in written
    fixed = migrating.pytest(MIGRATION_TESTS)

    fixed.assert_outcomes(passed=2, failed=0, error=0)
    for check in (("ruff", "check", "migrations"), ("ruff", "format", "--check", "migrations")):
        result = migrating.project.tool(check)
        assert result.returncode == 0, result.stdout + result.stderr


def test_revision_whose_downgrade_raises_fails_the_round_trip_naming_it(
    migrating: MigratingProject,
) -> None:
    migrating.project.write("migrations/versions/0badd0e5cafe_trim_titles.py", BROKEN_DOWNGRADE)

    run = migrating.pytest(MIGRATION_TESTS)

    run.assert_outcomes(passed=1, failed=1)
    report = failure_of(run, "test_every_revision_upgrades_downgrades_and_upgrades_again")
    assert report.startswith(
        "Revision 0badd0e5cafe (Trim track titles (data only: the schema is unchanged).) "
        "failed to downgrade: RuntimeError: trimmed titles cannot be restored\n"
    ), report
    assert "fix its downgrade()" in report


def test_revision_that_cannot_upgrade_fails_database_tests_with_the_fallback_which_works(
    default_project: GeneratedProject, tmp_path: Path
) -> None:
    project = default_project.clone(tmp_path / "project")
    initial = project.read(INITIAL_REVISION)
    project.write(
        INITIAL_REVISION,
        initial.replace("def upgrade() -> None:\n", "def upgrade() -> None:\n    1 / 0\n"),
    )

    broken = project.pytest("-p", "no:randomly", ISOLATION_TESTS)
    fallback = project.pytest("-p", "no:randomly", "--pyramid-create-all", ISOLATION_TESTS)

    assert broken.returncode == 1, broken.output
    assert "The test schema could not be built: `alembic -c alembic.ini upgrade head`" in (
        broken.output
    )
    assert "ZeroDivisionError" in broken.output
    assert "pytest --pyramid-create-all" in broken.output
    fallback.assert_outcomes(passed=7, failed=0, error=0)
    assert "test schema: create_all (--pyramid-create-all)" in fallback.output


def test_unknown_pyramid_schema_value_is_a_usage_error_naming_the_accepted_values(
    default_project: GeneratedProject,
) -> None:
    run = default_project.pytest("-m", "unit", "-o", "pyramid_schema=alembic")

    assert run.returncode == 4, run.output
    assert (
        "pyramid_schema = 'alembic' in [tool.pytest.ini_options]: expected one of "
        "migrations, create_all" in run.output
    )


NOT_COPIED = shutil.ignore_patterns(".git", ".venv", "__pycache__", "site", "uv.lock")
MIGRATION_FILES = ("alembic.ini", "migrations", "tests/integration/test_migrations.py")
"""What a release without migrations lacks, relative to ``template/``."""
NOTE_0_3_0 = "\n# Release 0.3.0 note.\n"
OWN_REVISION = "migrations/versions/1234abcd5678_add_track_genre.py"
OWN_TEXT = '"""The user\'s own revision."""\n'


def git(cwd: Path, *args: str) -> None:
    identity = ["-c", "user.name=Template Tests", "-c", "user.email=tests@example.com"]
    subprocess.run(["git", *identity, *args], cwd=cwd, check=True, capture_output=True)


def tagged(repo: Path, version: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", f"release {version}")
    git(repo, "tag", version)


def test_update_from_a_release_without_migrations_brings_them_then_never_rewrites_a_revision(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "test-pyramid"
    shutil.copytree(TEMPLATE_ROOT, repo, ignore=NOT_COPIED)
    kept = {name: tmp_path / "kept" / name for name in MIGRATION_FILES}
    for name, place in kept.items():
        place.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(repo / "template" / name, place)
    git(repo, "init", "-q", "-b", "main")
    tagged(repo, "0.1.0")
    for name, place in kept.items():
        shutil.move(place, repo / "template" / name)
    tagged(repo, "0.2.0")
    for name in (INITIAL_REVISION, "migrations/env.py.jinja"):
        with (repo / "template" / name).open("a") as file:
            file.write(NOTE_0_3_0)
    tagged(repo, "0.3.0")
    project = tmp_path / "project"
    copier.run_copy(str(repo), project, defaults=True, vcs_ref="0.1.0", quiet=True)
    git(project, "init", "-q", "-b", "main")
    tagged(project, "copied")
    assert not (project / "migrations").exists()

    # Crossing 0.2.0 also runs its renames (hooks/migrate.py): that needs trust.
    copier.run_update(
        project, defaults=True, overwrite=True, vcs_ref="0.2.0", quiet=True, unsafe=True
    )
    assert (project / INITIAL_REVISION).is_file()
    assert (project / "alembic.ini").is_file()
    assert (project / MIGRATION_TESTS).is_file()
    (project / OWN_REVISION).write_text(OWN_TEXT)
    tagged(project, "updated")
    copier.run_update(project, defaults=True, overwrite=True, vcs_ref="0.3.0", quiet=True)

    assert NOTE_0_3_0 not in (project / INITIAL_REVISION).read_text()
    assert (project / OWN_REVISION).read_text() == OWN_TEXT
    assert NOTE_0_3_0 in (project / "migrations/env.py").read_text()


SAMPLES = Path(__file__).parent / "samples"
CATALOG_ANSWERS = {
    "backend": "existing",
    "project_name": "Catalog",
    "package_name": "catalog",
    "base_import": "catalog.database:Base",
    "session_import": "catalog.database:get_db",
    "entities_module": "catalog.models",
    "database_url_env": "DB_URI",
}
ADOPTED_TESTS = "tests/e2e/test_pyramid_migrations.py"
PRICE_COLUMN = "    price_cents: Mapped[int]\n"
SKU_COLUMN = "    sku: Mapped[str | None] = mapped_column(String(40))\n"


def test_adopted_project_with_alembic_gets_the_same_checks_through_its_own_env_py(
    tmp_path: Path,
) -> None:
    """The catalog sample's env.py reads DB_URI through its settings and calls fileConfig()."""
    root = tmp_path / "catalog"
    shutil.copytree(SAMPLES / "catalog", root)
    copier.run_copy(
        str(TEMPLATE_ROOT), root, data=CATALOG_ANSWERS, defaults=True, vcs_ref="HEAD", quiet=True
    )
    project = GeneratedProject(root, root / ".venv")
    project.run("uv", "sync", "--quiet", check=True)
    project.run(
        "uv", "run", "python", "tests/plugins/add_test_dependencies.py", "--no-baseline", check=True
    )
    real = {"DB_URI": f"sqlite+aiosqlite:///{tmp_path / 'real.db'}"}

    fresh = project.pytest("-p", "no:randomly", ADOPTED_TESTS, env=real)
    models = project.read("src/catalog/models.py")
    project.write("src/catalog/models.py", models.replace(PRICE_COLUMN, PRICE_COLUMN + SKU_COLUMN))
    drifted = project.pytest("-p", "no:randomly", ADOPTED_TESTS, env=real)
    command = re.search(r"^Write the missing revision: (.+)$", drifted.output, re.MULTILINE)
    assert command is not None, drifted.output
    written = project.run("bash", "-c", command.group(1), env=real)  # as printed
    fixed = project.pytest("-p", "no:randomly", ADOPTED_TESTS, env=real)
    (root / "alembic.ini").rename(root / "alembic.ini.off")
    without = project.pytest("-p", "no:randomly", "--collect-only", "tests/e2e", env=real)

    fresh.assert_outcomes(passed=2, failed=0, error=0)
    assert "test schema: migrations (alembic.ini, upgrade head)" in fresh.output
    drifted.assert_outcomes(passed=1, failed=1)
    report = failure_of(drifted, "test_migrations_build_the_schema_the_models_declare")
    assert "column item.sku: in the models, not in the migrations" in report
    assert command.group(1) == (
        f'uv run pytest {ADOPTED_TESTS} --pyramid-new-revision="catch up with the models"'
    )
    assert written.returncode == 0, written.stdout + written.stderr
    assert list(root.rglob("*catch_up_with_the_models.py")), "no revision written"
    fixed.assert_outcomes(passed=2, failed=0, error=0)
    assert without.returncode == 0, without.output
    assert "test schema: create_all (no alembic.ini found)" in without.output
    assert "test_pyramid_migrations" not in without.output
    assert not (tmp_path / "real.db").exists(), "the project's own database was reached"


NOT_A_CONFIG = (
    "migrations '{}' is not an Alembic config file relative to the project root (e.g. "
    "alembic.ini or db/alembic.ini), nor none (build the test database with create_all)."
)


@pytest.mark.parametrize("value", ["/etc/alembic.ini", "../alembic.ini", "alembic.cfg", ""])
def test_migrations_answer_that_is_not_a_relative_ini_file_is_refused(
    tmp_path: Path, value: str
) -> None:
    with pytest.raises(ValueError, match=r"^Validation error") as refusal:
        render(tmp_path / "project", backend="existing", migrations=value)

    assert str(refusal.value) == (
        f"Validation error for question 'migrations': {NOT_A_CONFIG.format(value)}"
    )


@pytest.mark.parametrize(
    ("value", "constant"), [("db/alembic.ini", '"db/alembic.ini"'), ("none", "None")]
)
def test_migrations_answer_names_the_config_the_suite_looks_for(
    tmp_path: Path, value: str, constant: str
) -> None:
    root = render(tmp_path / "project", backend="existing", migrations=value)

    assert (
        f"ALEMBIC_CONFIG: str | None = {constant}\n"
        in (root / "tests/plugins/answers.py").read_text()
    )
    assert (root / ADOPTED_TESTS).exists() == (value != "none")
    assert (root / "tests/plugins/migration_checks.py").exists() == (value != "none")
    assert not (root / "alembic.ini").exists()
    assert not (root / "migrations").exists()
