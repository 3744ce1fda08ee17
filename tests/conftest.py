"""Fixtures that render the template once per test session and reuse the result."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.postgres import postgres_server_url
from tests.project import GeneratedProject

collect_ignore = ["samples"]
"""Other people's backends (and their own tests), adopted by test_adoption.py: not ours to run."""


@pytest.fixture(scope="session")
def default_project(tmp_path_factory: pytest.TempPathFactory) -> GeneratedProject:
    """The template rendered with every default answer, installed in its own venv."""
    return GeneratedProject.create(tmp_path_factory.mktemp("default") / "music-library")


@pytest.fixture
def scratch_project(default_project: GeneratedProject, tmp_path: Path) -> GeneratedProject:
    """A private copy of the default project, for tests that add or edit files."""
    return default_project.clone(tmp_path / "project")


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """A PostgreSQL server for this session: ``TEST_DATABASE_URL``, or a throwaway one."""
    with postgres_server_url() as url:
        yield url
