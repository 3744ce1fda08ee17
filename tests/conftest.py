"""Fixtures that render the template once per test session and reuse the result.

The renders (and the default render's suite run) are made once for the whole
session, even with ``-n 2``: the first xdist worker builds them, the other reuses
them (``harness.sharing``). Tests that edit files work on a copy.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.postgres import postgres_server_url
from harness.project import GeneratedProject
from harness.sharing import build_once, shared_render
from harness.suite_run import SuiteRun

pytest_plugins = ["pytester", "harness.tier_shape"]

collect_ignore = ["samples"]
"""Other people's backends (and their own tests), adopted by test_adoption.py: not ours to run."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The default render's longest chain first, the other tests that wait for it last.

    One xdist worker builds ``default_run`` (render, ``uv sync``, its suite) for the
    first test that reads it, while the other runs the in-process tests;
    ``--dist worksteal`` (``addopts``) hands it the tests queued behind the build.
    The order changes no outcome.
    """

    from harness.tier_shape import SHARED_RENDERS  # a plugin: imported (rewritten) by pytest

    def uses(item: pytest.Item, fixtures: frozenset[str]) -> bool:
        return not fixtures.isdisjoint(getattr(item, "fixturenames", ()))

    first = [next((item for item in items if uses(item, frozenset({"default_run"}))), None)]
    waiting = [item for item in items if uses(item, SHARED_RENDERS) and item not in first]
    later = {id(item) for item in [*first, *waiting]}
    items[:] = [
        *(item for item in first if item is not None),
        *(item for item in items if id(item) not in later),
        *waiting,
    ]


@pytest.fixture(scope="session")
def default_project(tmp_path_factory: pytest.TempPathFactory) -> GeneratedProject:
    """The template rendered with every default answer, installed in its own venv."""
    return shared_render(tmp_path_factory, "default")


@pytest.fixture(scope="session")
def default_run(
    default_project: GeneratedProject, tmp_path_factory: pytest.TempPathFactory
) -> SuiteRun:
    """The default render's whole suite, run once: two workers, one seed, every report."""
    folder = build_once(
        tmp_path_factory, "default-run", lambda folder: SuiteRun.execute(default_project, folder)
    )
    return SuiteRun.load(folder)


@pytest.fixture
def scratch_project(default_project: GeneratedProject, tmp_path: Path) -> GeneratedProject:
    """A private copy of the default project, for tests that add or edit files."""
    return default_project.clone(tmp_path / "project")


@pytest.fixture(scope="session")
def postgresql_project(tmp_path_factory: pytest.TempPathFactory) -> GeneratedProject:
    """The ``database=postgresql`` render, installed; copy it (``clone``) to edit it."""
    return shared_render(tmp_path_factory, "postgresql", database="postgresql")


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """A PostgreSQL server for this session: ``TEST_DATABASE_URL``, or a throwaway one."""
    with postgres_server_url() as url:
        yield url


GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Template Tests",
    "GIT_AUTHOR_EMAIL": "tests@example.com",
    "GIT_COMMITTER_NAME": "Template Tests",
    "GIT_COMMITTER_EMAIL": "tests@example.com",
}


@pytest.fixture(scope="module")
def git_identity() -> Iterator[None]:
    """A git author for the commits the update tests make (none may be configured)."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in GIT_IDENTITY.items():
            patch.setenv(key, value)
        yield


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """pytest's ``pytester``, its runs free of pytest-asyncio's unset loop-scope warning.

    pytest-asyncio is installed here so that ``tests/test_plugin_checks.py`` can type-check
    and load ``template/tests/plugins``; the small projects pytester writes do not set it.
    """
    monkeypatch.setenv("PYTEST_ADDOPTS", "-o asyncio_default_fixture_loop_scope=function")
    return pytester
