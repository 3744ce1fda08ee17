"""The connections an adopted project's own tests pooled are set aside, never closed by the suite.

Closing them on the suite's event loop fails when they belong to a loop that has
ended (an anyio test's), and leaks their sockets: under the project's
``filterwarnings = ["error"]`` that ended the run in an error. ``binding.set_aside``
is checked here in-process with a real pooled SQLite engine.
"""

from __future__ import annotations

from sqlalchemy import create_engine, event, text
from sqlalchemy.pool import QueuePool

from harness.plugin_modules import load_plugin


def test_the_pool_your_tests_left_is_kept_open_and_the_engine_gets_a_fresh_one() -> None:
    binding = load_plugin("binding")
    engine = create_engine("sqlite://", poolclass=QueuePool)
    closed: list[object] = []
    event.listen(engine, "close", lambda connection, _record: closed.append(connection))
    with engine.connect() as connection:
        own = connection.connection.dbapi_connection
    old_pool = engine.pool

    binding.set_aside(engine)

    assert engine.pool is not old_pool
    assert binding.PARKED[-1] is old_pool
    assert old_pool.checkedin() == 1
    assert closed == []
    assert own is not None
    assert own.execute("SELECT 1").fetchone() == (1,)  # still open: nothing closed it
    with engine.connect() as connection:
        assert connection.connection.dbapi_connection is not own
        assert connection.execute(text("SELECT 2")).scalar() == 2
