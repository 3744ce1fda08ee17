"""Pools an adopted suite takes away from your engine without closing their connections.

Before one of the suite's tests, the engine behind ``session_import`` gets a
fresh pool (``binding``): the idle connections in the old one are your own
tests', to your database. Standard SQLAlchemy only, so it is tested in-process.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.pool import Pool

PARKED: list[Pool] = []
"""Pools set aside with the connections your own tests left in them, until the run ends."""


def set_aside(engine: Engine) -> None:
    """Give the engine a fresh pool, keeping the old one and its connections unclosed.

    Your own tests may have opened them on an event loop that has ended (anyio's,
    a test's own): closed on the suite's loop they fail and leak their sockets,
    which ``filterwarnings = ["error"]`` turns into an error at the end of the run.
    Kept referenced, they close with the process, as they did before the suite.
    """
    PARKED.append(engine.pool)
    engine.dispose(close=False)
