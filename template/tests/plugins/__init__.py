"""Local pytest plugins: the machinery behind the fixtures in ``tests/conftest.py``.

- ``settings``: the ``pyramid_*`` options, read and checked in one place.
- ``database``: one test database per xdist worker, its engine and connection.
- ``tiers``: mark tests by folder (unit / integration / e2e).
- ``guards``: refuse database access where it would lock, leak or touch real data.
- ``budgets``: name unit and integration tests over their time budget.
- ``hangs``: fail a hanging test with a traceback at the stuck await.
- ``pyramid``: report the tier shares of the run against the target.
- ``tracker``, ``queries``: helpers behind ``test_data_tracker`` and ``assert_max_queries``.
"""
