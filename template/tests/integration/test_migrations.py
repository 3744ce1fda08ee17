"""The migrations build the schema the models declare, and every revision can be undone.

Both tests run on a new, empty database (``empty_database_url``), whatever built
this run's test database (``--pyramid-create-all`` included), in a transaction
rolled back afterwards. After changing a model, the drift test's failure gives
the command that writes the revision: ``uv run pytest
tests/integration/test_migrations.py --pyramid-new-revision="..."``
(docs/testing.md#migrations).
"""

from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from tests.plugins.answers import ALEMBIC_CONFIG
from tests.plugins.migration_checks import (
    drift,
    drift_message,
    in_rolled_back_transaction,
    round_trip,
)
from tests.plugins.seams import metadata


@pytest.fixture
def alembic_ini(pytestconfig: pytest.Config) -> Path:
    assert ALEMBIC_CONFIG is not None, "the reference backend always has migrations"
    return pytestconfig.rootpath / ALEMBIC_CONFIG


async def test_migrations_build_the_schema_the_models_declare(
    empty_database_url: URL, alembic_ini: Path, request: pytest.FixtureRequest
) -> None:
    new_revision = request.config.getoption("pyramid_new_revision")
    differences = await in_rolled_back_transaction(
        empty_database_url, drift, alembic_ini, metadata, new_revision
    )

    if differences:
        pytest.fail(drift_message(differences, request.path), pytrace=False)


async def test_every_revision_upgrades_downgrades_and_upgrades_again(
    empty_database_url: URL, alembic_ini: Path
) -> None:
    walk = await in_rolled_back_transaction(empty_database_url, round_trip, alembic_ini)

    if walk.failure is not None:
        pytest.fail(walk.failure, pytrace=False)
    assert walk.revisions >= 1, "migrations/versions/ holds no revision"
