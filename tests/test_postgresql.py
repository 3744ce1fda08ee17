"""The database=postgresql render passes its whole suite on a real PostgreSQL server.

The server comes from TEST_DATABASE_URL (``.ci/run`` starts one) or is started
here from the installed server programs; see ``harness/postgres.py``. The whole
suite runs once, on two workers in one random order, and the isolation proofs are
checked in that run.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from harness.postgres import databases_like, path_without_postgresql
from harness.project import QUALITY_CHECKS, GeneratedProject

pytestmark = pytest.mark.render

NO_SERVER = (
    "No PostgreSQL server for the integration and E2E tests: TEST_DATABASE_URL is not set "
    "and the PostgreSQL server programs (initdb, pg_ctl) are not on PATH."
)


ISOLATION_PROOFS = "tests/integration/repositories/test_isolation.py"
SEED = 4242


@pytest.fixture(scope="module")
def no_server() -> dict[str, str]:
    """An environment with neither TEST_DATABASE_URL nor PostgreSQL's programs on PATH."""
    return {"TEST_DATABASE_URL": "", "PATH": path_without_postgresql()}


@pytest.fixture(scope="module")
def tier_sizes(postgresql_project: GeneratedProject, no_server: dict[str, str]) -> Counter[str]:
    """How many tests of the default selection each tier has, collected without a server."""
    run = postgresql_project.pytest("--collect-only", "-q", env=no_server)
    assert run.returncode == 0, run.output
    return Counter(line.split("/")[1] for line in run.output.splitlines() if "::" in line)


def leftover_databases(project: GeneratedProject, server_url: str, output: str) -> list[str]:
    """Databases still on the server from the run that printed ``output``.

    Other runs may share the server at the same time (the template's tests run in
    parallel), so only this run's name prefix, from its report header, counts.
    """
    run_id = re.search(r"test database: \S*/(music_library_test_p\d+t\d+h[0-9a-f]{6})_", output)
    assert run_id is not None, output
    return databases_like(project, server_url, f"{run_id.group(1)}_%")


def test_whole_suite_passes_on_postgresql_with_a_database_per_worker_in_random_order(
    postgresql_project: GeneratedProject, server_url: str
) -> None:
    """One run for both: a second would cost a whole suite (and, per worker, its server)."""
    run = postgresql_project.pytest(
        "-n", "2", "-m", "", "-p", "randomly", f"--randomly-seed={SEED}", "-rA",
        env={"TEST_DATABASE_URL": server_url},
    )  # fmt: skip

    assert run.returncode == 0, run.output
    assert run.outcomes["passed"] >= 100
    assert "failed" not in run.outcomes
    assert "error" not in run.outcomes
    assert "test database: postgresql+asyncpg://" in run.output
    assert leftover_databases(postgresql_project, server_url, run.output) == []
    # The isolation proofs, in the order this seed gave them.
    assert re.search(rf"randomly-seed={SEED}\b", run.output), run.output
    proofs = [nodeid for nodeid in run.nodeids() if nodeid.startswith(ISOLATION_PROOFS)]
    assert len(proofs) == 7, run.output


def test_without_a_server_unit_tests_pass_and_database_tiers_fail_at_once_naming_the_fix(
    postgresql_project: GeneratedProject, no_server: dict[str, str], tier_sizes: Counter[str]
) -> None:
    unit = tier_sizes["unit"]
    database_tiers = tier_sizes["integration"] + tier_sizes["e2e"]

    run = postgresql_project.pytest("-n", "2", "-p", "no:randomly", env=no_server)

    assert run.returncode == 1, run.output
    run.assert_outcomes(passed=unit, error=database_tiers, failed=0)
    errors = [line for line in run.output.splitlines() if line.startswith("ERROR tests/")]
    assert all(line.startswith(("ERROR tests/integration/", "ERROR tests/e2e/")) for line in errors)
    # Each error, plus the summary (and, under CI, pytest's untruncated short summary).
    assert run.output.count(NO_SERVER) >= database_tiers + 1, run.output
    assert run.output.count("= test database: none, so database tests failed =") == 1
    assert "export TEST_DATABASE_URL=postgresql://" in run.output
    assert "apt-get install postgresql" in run.output
    assert "Traceback" not in run.output


def test_unit_tier_alone_needs_no_server(
    postgresql_project: GeneratedProject, no_server: dict[str, str], tier_sizes: Counter[str]
) -> None:
    unit = tier_sizes["unit"]

    run = postgresql_project.pytest("-m", "unit", env=no_server)

    assert run.returncode == 0, run.output
    run.assert_outcomes(passed=unit, failed=0, error=0)


@pytest.mark.parametrize("command", QUALITY_CHECKS)
def test_postgresql_render_is_lint_and_type_clean(
    postgresql_project: GeneratedProject, command: tuple[str, ...]
) -> None:
    result = postgresql_project.tool(command)

    assert result.returncode == 0, result.stdout + result.stderr
