"""`http_api` adds a FastAPI application whose route tests run inside the test transaction."""

from __future__ import annotations

import re
import tomllib

import pytest

from harness.project import QUALITY_CHECKS, GeneratedProject
from harness.sharing import collected_ids, shared_render
from harness.suite_run import SuiteRun
from tests.test_generated_suite import tier_counts

API_PATHS = [
    "src/music_library/interface/api/app.py",
    "src/music_library/interface/api/dependencies.py",
    "tests/integration/api/conftest.py",
    "tests/integration/api/test_playlist_routes.py",
    "tests/unit/infrastructure/test_api_schemas.py",
    "tests/unit/infrastructure/test_api_app.py",
    "tests/e2e/api_server.py",
    "tests/e2e/test_api_workflows.py",
]
API_DEPENDENCIES = {"fastapi", "uvicorn", "pydantic"}
API_TESTS = [
    "tests/integration/api",
    "tests/unit/infrastructure/test_api_schemas.py",
    "tests/unit/infrastructure/test_api_app.py",
    "tests/e2e/test_api_workflows.py",
]

COMMIT_THEN_CHECK = '''\
"""A route commits in the first test; the second, run after it, must find nothing."""

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from music_library.infrastructure.persistence import Base


async def test_a_route_commits(client: httpx.AsyncClient) -> None:
    track = await client.post("/tracks", json={"title": "Kept?", "artists": ["A"]})
    body = {"name": "Kept?", "track_ids": [track.json()["id"]]}
    playlist = await client.post("/playlists", json=body)
    assert playlist.status_code == 201


async def test_b_tables_are_empty(db_session: AsyncSession) -> None:
    counts = {
        table.name: await db_session.scalar(select(func.count()).select_from(table))
        for table in Base.metadata.sorted_tables
    }
    assert set(counts.values()) == {0}, counts
'''

LEAKY_CLIENT = '''\
"""What not to do: a client whose requests open their own sessions."""

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from music_library.interface.api import create_app


@pytest.fixture
async def client(db_engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client
'''

SERVER_IS_GONE = '''\
"""After ``running_api_server()`` exits, its process and its port are gone."""

import os

import httpx
import pytest

from tests.e2e.api_server import running_api_server
from tests.plugins.tracker import DataTracker


async def test_server_stops_with_no_process_or_port_left(
    test_data_tracker: DataTracker,
) -> None:
    async with running_api_server() as base_url:
        async with httpx.AsyncClient(base_url=base_url, trust_env=False) as client:
            assert (await client.get("/playlists")).status_code == 200

    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base_url}/playlists", trust_env=False)
    with pytest.raises(ChildProcessError):  # no child at all, not even an unreaped one
        os.waitpid(-1, os.WNOHANG)
'''


@pytest.fixture(scope="module")
def project_without_api(tmp_path_factory: pytest.TempPathFactory) -> GeneratedProject:
    return shared_render(tmp_path_factory, "no-api", http_api=False)


def dependency_names(project: GeneratedProject) -> set[str]:
    pyproject = tomllib.loads(project.read("pyproject.toml"))
    return {
        re.split(r"[\[<>=!~;\s]", requirement, maxsplit=1)[0]
        for requirement in pyproject["project"]["dependencies"]
    }


def test_default_render_has_the_api_its_tests_and_its_dependencies(
    default_project: GeneratedProject,
) -> None:
    missing = [path for path in API_PATHS if not (default_project.root / path).is_file()]

    assert missing == []
    assert dependency_names(default_project) >= API_DEPENDENCIES
    assert "## Testing the HTTP API" in default_project.read("docs/testing.md")


def test_api_tests_pass_in_random_order_with_two_workers(
    default_project: GeneratedProject, default_run: SuiteRun
) -> None:
    api_tests = {i for i in collected_ids(default_project) if i.startswith(tuple(API_TESTS))}

    assert len(api_tests) >= 20
    assert api_tests <= default_run.run.nodeids("PASSED"), default_run.run.output


@pytest.mark.render
def test_route_that_commits_leaves_nothing_for_the_next_test(
    scratch_project: GeneratedProject,
) -> None:
    scratch_project.write("tests/integration/api/test_commit_then_check.py", COMMIT_THEN_CHECK)

    run = scratch_project.pytest(
        "tests/integration/api/test_commit_then_check.py", "-p", "no:randomly", "-v"
    )

    assert run.returncode == 0, run.output
    assert run.output.index("test_a_route_commits PASSED") < run.output.index(
        "test_b_tables_are_empty PASSED"
    )


@pytest.mark.render
def test_route_test_without_the_override_leaks_and_the_pollution_check_names_it(
    scratch_project: GeneratedProject,
) -> None:
    """The control: without db_session and the override, the route's commit is real.

    The pollution check fails the route test itself and deletes its rows, so the
    next test still finds empty tables.
    """
    scratch_project.write("tests/integration/api/test_commit_then_check.py", COMMIT_THEN_CHECK)
    scratch_project.write("tests/integration/api/conftest.py", LEAKY_CLIENT)

    run = scratch_project.pytest(
        "tests/integration/api/test_commit_then_check.py", "-p", "no:randomly"
    )

    run.assert_outcomes(passed=2, error=1)
    assert "ERROR at teardown of test_a_route_commits" in run.output
    assert "- table 'playlists': 1 row(s)" in run.output


@pytest.mark.render
def test_live_server_stops_with_no_process_or_port_left(
    scratch_project: GeneratedProject,
) -> None:
    scratch_project.write("tests/e2e/test_server_is_gone.py", SERVER_IS_GONE)

    run = scratch_project.pytest("tests/e2e/test_server_is_gone.py")

    assert run.returncode == 0, run.output
    run.assert_outcomes(passed=1)


@pytest.mark.render
def test_without_http_api_nothing_api_related_is_rendered(
    project_without_api: GeneratedProject,
) -> None:
    present = [path for path in API_PATHS if (project_without_api.root / path).exists()]
    mentions = [
        str(path.relative_to(project_without_api.root))
        for folder in ("src", "tests", "docs")
        for path in (project_without_api.root / folder).rglob("*")
        if path.is_file()
        and path.suffix in {".py", ".md"}
        and any(word in path.read_text() for word in ("fastapi", "uvicorn", "interface.api"))
    ]

    assert present == []
    assert not (project_without_api.root / "src/music_library/interface/api").exists()
    assert not (project_without_api.root / "tests/integration/api").exists()
    assert mentions == []
    assert dependency_names(project_without_api).isdisjoint(API_DEPENDENCIES)


@pytest.mark.render
def test_without_http_api_suite_passes_in_pyramid_shape(
    project_without_api: GeneratedProject,
) -> None:
    counts = tier_counts(collected_ids(project_without_api))
    unit_share = 100 * counts["unit"] / sum(counts.values())

    run = project_without_api.pytest("-n", "2")

    assert run.returncode == 0, run.output
    assert "failed" not in run.outcomes
    assert unit_share == pytest.approx(60, abs=5)


@pytest.mark.render
@pytest.mark.parametrize("command", QUALITY_CHECKS)
def test_without_http_api_lint_and_types_pass(
    project_without_api: GeneratedProject, command: tuple[str, ...]
) -> None:
    result = project_without_api.tool(command)

    assert result.returncode == 0, result.stdout + result.stderr
