"""Rows a module's tests share: committed once by a module-scoped fixture, deleted after it.

Committing rows in a module-scoped fixture used to look like pollution: the
first test to use it was failed for rows it did not write, the rows were
deleted, and the next test found them gone. ``module_data_tracker`` is the
supported way. Its fixture commits rows and tracks them; before the first test
of the module runs, the tracked rows and the rows that belong to them (see
``clean_state``) join the clean state, so no test is blamed for them and no
cleanup deletes them; after the module, they are deleted and the tracker checks
nothing else was left.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest
import pytest_asyncio

if TYPE_CHECKING:  # SQLAlchemy and the application: imported when a test first needs them
    from sqlalchemy.ext.asyncio import AsyncConnection

    from .clean_state import CleanState, Key
    from .tracker import DataTracker


@dataclass
class SharedData:
    """One module's tracker, and the rows it owns once its fixtures are set up."""

    tracker: DataTracker
    rows: dict[str, set[Key]] | None = None


@dataclass
class SharedDataRegistry:
    """The modules' trackers that are alive now (one per module being run)."""

    active: list[SharedData] = field(default_factory=list)

    async def settle(self, connection: AsyncConnection, clean_state: CleanState) -> None:
        """Before a test runs: rows its module's fixtures committed join the clean state."""
        for shared in self.active:
            if shared.rows is None:
                shared.rows = await shared.tracker.owned(connection)
                clean_state.share(shared.rows)


shared_data_key = pytest.StashKey[SharedDataRegistry]()


def registry(config: pytest.Config) -> SharedDataRegistry:
    return config.stash.setdefault(shared_data_key, SharedDataRegistry())


# -- fixtures ----------------------------------------------------------------


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def module_data_tracker(
    request: pytest.FixtureRequest, db_connection: AsyncConnection, clean_state: CleanState
) -> AsyncIterator[DataTracker]:
    """Track rows a module-scoped fixture commits for its module's tests to share.

    They are not pollution while the module runs, and are deleted (with the rows
    that belong to them) after it; rows left untracked fail the module's last test.
    """
    from .seams import TRACKER_SHORTCUTS, metadata
    from .tracker import DataTracker

    tracker = DataTracker(metadata, TRACKER_SHORTCUTS)
    await tracker.take_baseline(db_connection)
    shared = SharedData(tracker)
    active = registry(request.config).active
    active.append(shared)
    yield tracker
    active.remove(shared)
    if shared.rows is not None:
        clean_state.unshare(shared.rows)
    await tracker.cleanup(db_connection)
