"""Fixtures every tier shares. The machinery behind them lives in ``tests/plugins``.

- ``db_session``: an ``AsyncSession`` whose work is rolled back after the test,
  even if the code under test commits.
- ``test_data_tracker``: cleanup for rows committed outside ``db_session``
  (the CLI subprocesses of the E2E tier, code that opens its own session).
- ``assert_max_queries``: ``with assert_max_queries(5): ...`` fails on N+1 queries.

They are defined in ``tests/plugins/suite.py``, with the list of the suite's
plugins; fixtures of your own go here.
"""

pytest_plugins = ["tests.plugins.suite"]
