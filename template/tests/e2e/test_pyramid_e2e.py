"""E2E tier example for your backend: your own sessions reach the test database, not yours."""

import pytest
from sqlalchemy import text

from tests.plugins.database import WorkerDatabase
from tests.plugins.seams import open_application_session

# The suite's tracker, even where a conftest.py of yours defines one of that name.
from tests.plugins.suite import test_data_tracker  # noqa: F401
from tests.plugins.tracker import DataTracker

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_your_sessions_reach_the_test_database(
    test_database: WorkerDatabase,
    test_data_tracker: DataTracker,  # noqa: F811
) -> None:
    async with open_application_session() as session:
        assert await session.scalar(text("SELECT 1")) == 1
        reached = session.get_bind().engine.url

    assert reached.database == test_database.url.database
    assert test_data_tracker.tracked == {}
