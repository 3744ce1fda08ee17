"""Local pytest plugins: the machinery behind the fixtures in ``tests/conftest.py``.

- ``database``: one test database per xdist worker, its engine and connection.
- ``guards``: refuse database access where it would lock, pollute or leak.
- ``tiers``: mark tests by folder (unit / integration / e2e).
- ``tracker``: ``TestDataTracker``, cleanup of rows committed outside ``db_session``.
"""
