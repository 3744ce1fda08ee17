"""Local pytest plugins: the machinery behind the fixtures in ``tests/conftest.py``.

- ``settings``: the ``pyramid_*`` options, read and checked in one place.
- ``database``: one test database per xdist worker, its engine and connection.
- ``reaper``: remove what killed runs left (folders, databases, servers).
- ``tiers``: mark tests by folder (unit / integration / e2e).
- ``guards``: refuse database access where it would lock, leak or touch real data
  (``targets``: which database a URL reaches, by identity rather than spelling).
- ``budgets``: name unit and integration tests over their time budget
  (``clocks``: what a test is charged, the machine's load left out).
- ``hangs``: fail a hanging test with a traceback at the stuck await.
- ``pyramid``: report the tier shares of the run against the target.
- ``interrupts``: one Ctrl-C, even delivered twice by ``uv run``, gives the short report.
- ``tracker``, ``queries``: helpers behind ``test_data_tracker`` and ``assert_max_queries``.
"""
