"""The interface of ``seams.py.jinja`` (one module per ``backend`` answer), for checking here.

Every plain module of ``tests/plugins`` reaches the application through these
names; ``.partials/seams/<backend>.py.jinja`` defines them for each backend.
The rendered seams are checked in the generated projects, and
``tests/test_plugin_checks.py`` that each variant defines every name below.
Not rendered (``copier.yml``'s ``_exclude``).
"""

from sqlalchemy import Engine, MetaData
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

DEFAULT_DATABASE_URL: str | None
GUARD_EVERY_TEST: bool
SESSION_HAND_OVER: str
TRACKER_SHORTCUTS: dict[str, str]
UNIT_TEST_FIX: str
URL_FIX: str
URL_SOURCE: str
metadata: MetaData

def check() -> None: ...
def create_database_engine(url: str | URL) -> AsyncEngine: ...
async def dispose_engine() -> None: ...
async def application_engine() -> Engine | None:
    """Adopted backends only (``binding``)."""
