"""Your migrations build the schema your models declare, and every revision can be undone.

Alembic runs as you run it, ``alembic -c <config> ...`` in a subprocess, on a
new, empty database (``empty_database_url``): your URL variable names it, and
connections to your own database go there instead, so your ``env.py`` needs no
change. Collected only when your Alembic config exists (the
``migrations`` answer). After changing a model, the drift test's failure gives
the command that writes the revision (``--pyramid-new-revision``;
docs/testing.md#migrations).
"""

import asyncio
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from tests.plugins.alembic_upgrade import run_python
from tests.plugins.migration_checks import (
    ROUND_TRIP_STEPS,
    drift_message,
    in_rolled_back_transaction,
    round_trip_output_failure,
    round_trip_step,
    schema_differences,
)
from tests.plugins.schema import alembic_config_path
from tests.plugins.seams import metadata

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture
def alembic_ini(pytestconfig: pytest.Config) -> Path:
    path = alembic_config_path(pytestconfig)
    if path is None:  # only when this file is named on the command line (see schema.py)
        pytest.skip("no Alembic config (the `migrations` answer): no migrations to check")
    return path


async def test_migrations_build_the_schema_the_models_declare(
    empty_database_url: URL, alembic_ini: Path, request: pytest.FixtureRequest
) -> None:
    await alembic(request.config, empty_database_url, alembic_ini, "upgrade", "head")
    differences = await in_rolled_back_transaction(empty_database_url, schema_differences, metadata)
    new_revision = request.config.getoption("pyramid_new_revision")
    if differences and new_revision:
        await alembic(
            request.config,
            empty_database_url,
            alembic_ini,
            "revision",
            "--autogenerate",
            "-m",
            new_revision,
        )
        await alembic(request.config, empty_database_url, alembic_ini, "upgrade", "head")
        differences = await in_rolled_back_transaction(
            empty_database_url, schema_differences, metadata
        )

    if differences:
        pytest.fail(drift_message(differences, request.path), pytrace=False)


async def test_every_revision_upgrades_downgrades_and_upgrades_again(
    empty_database_url: URL, alembic_ini: Path, pytestconfig: pytest.Config
) -> None:
    output = ""
    for step in ROUND_TRIP_STEPS:
        heading, arguments = round_trip_step(alembic_ini, step)
        walked = await asyncio.to_thread(
            run_python, arguments, empty_database_url, cwd=pytestconfig.rootpath
        )
        output += heading + walked.stdout + walked.stderr
        if walked.returncode != 0:
            pytest.fail(round_trip_output_failure(output, alembic_ini), pytrace=False)


async def alembic(config: pytest.Config, url: URL, alembic_ini: Path, *args: str) -> None:
    """``alembic -c <config> *args`` on ``url``, as you run it; it must succeed."""
    command = ["-m", "alembic", "-c", str(alembic_ini), *args]
    result = await asyncio.to_thread(run_python, command, url, cwd=config.rootpath)
    assert result.returncode == 0, result.stdout + result.stderr
