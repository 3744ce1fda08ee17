"""Local pytest plugins: the machinery behind ``db_session``, ``test_data_tracker`` and the guards.

Where the application is:

- ``seams``: the only module that names the application's code (and checks it).
- ``environment``: points the application's database URL variable at the test
  database before the application is imported (``sqlite_provider`` or
  ``postgres_provider`` say where that database is; ``owners`` names it for
  its process).
- ``database``: one test database per xdist worker, its engine and connection.
- ``reaper``: remove what killed runs left (folders, databases, servers).

What every test gets:

- ``settings``: the ``pyramid_*`` options, read and checked in one place.
- ``tiers``: mark tests by folder (unit / integration / e2e) and register the markers.
- ``guards``: refuse database access where it would lock, leak or touch real data
  (``targets``: which database a URL reaches, by identity rather than spelling).
- ``transaction_guard``, ``pollution`` (with ``clean_state``), ``leftover_tasks``
  (with ``session_loop``): a test cannot leave its transaction, rows or tasks to
  the next one.
- ``budgets``: name unit and integration tests over their time budget
  (``clocks``: what a test is charged, the machine's load left out).
- ``hangs``: fail a hanging test with a traceback at the stuck await.
- ``baseline``: the day-one ratchet for tests that existed before the suite.
- ``pyramid``: report the tier shares of the run against the target
  (``ci_summary`` turns the report into the CI job's summary).
- ``interrupts``: one Ctrl-C, even delivered twice by ``uv run``, gives the short report.
- ``tracker``, ``queries``: helpers behind ``test_data_tracker`` and ``assert_max_queries``.
- ``session_seam`` (adopted projects): opens the application's sessions whatever their shape.
"""
