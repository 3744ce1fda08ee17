"""A unit-only run pays for nothing it does not use (issue 25).

The suite's database machinery (SQLAlchemy, the driver, the SQLite fast path,
the application's persistence layer) is imported when a test first needs a
database. Checked without a clock: a probe plugin lists which of those modules
the run loaded. The time it saves is the benchmark's business (``startup``).
"""

from __future__ import annotations

from pathlib import Path

from harness.project import GeneratedProject

PROBE = """
import sys

MACHINERY = (
    "sqlalchemy",
    "aiosqlite",
    "asyncpg",
    "alembic",
    "tests.plugins.sqlite_inline",
    "music_library.infrastructure.persistence",
)


def pytest_unconfigure(config):
    loaded = [name for name in MACHINERY if name in sys.modules]
    sys.__stderr__.write(f"machinery loaded: {','.join(loaded) or 'none'}\\n")
"""
UNIT_FILE = "tests/unit/domain/test_track.py"
DATABASE_FILE = "tests/integration/repositories/test_track_repository.py"


def loaded_machinery(project: GeneratedProject, probe: Path, test_file: str) -> list[str]:
    run = project.pytest(
        "-p", "startup_probe", "-p", "no:randomly", test_file, env={"PYTHONPATH": str(probe)}
    )
    assert run.returncode == 0, run.output
    line = next(line for line in run.output.splitlines() if line.startswith("machinery loaded: "))
    listed = line.removeprefix("machinery loaded: ")
    return [] if listed == "none" else listed.split(",")


def test_a_unit_file_runs_without_importing_the_database_machinery(
    default_project: GeneratedProject, tmp_path: Path
) -> None:
    (tmp_path / "startup_probe.py").write_text(PROBE)

    assert loaded_machinery(default_project, tmp_path, UNIT_FILE) == []
    # The probe sees the machinery when a test does need the database.
    assert {"sqlalchemy", "aiosqlite", "tests.plugins.sqlite_inline"} <= set(
        loaded_machinery(default_project, tmp_path, DATABASE_FILE)
    )
