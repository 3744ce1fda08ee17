"""Local pytest plugins: the machinery behind ``db_session``, ``test_data_tracker`` and the guards.

``suite`` holds the fixtures every tier shares and lists the plugins
(``pytest_plugins``); ``tests/conftest.py`` (or, in a project the suite was
added to, the root ``conftest.py``) registers it. The other modules are
helpers the plugins import. All are plain Python but ``answers`` (the answers
to ``copier copy``, read when the suite runs) and ``seams``.

Where the application and its test database are:

- ``seams``: the only module that names the application's code (and checks it);
  ``session_seam`` (adopted projects) opens its sessions whatever their shape.
- ``database``: the test database's lifecycle, from ``db_session`` down: one
  database per xdist worker, named when pytest registers the module, made when
  a test first needs one (the run's template is built once, under a lock file
  the workers share, then copied), removed at the end. It drives the provider
  the ``database`` answer names (``database.provider_module``):
  ``sqlite_provider`` or ``postgresql_provider`` (its server:
  ``postgres_server``), each a ``database.DatabaseProvider``.
- ``environment``: where the application's database is (for the reference
  backend, ``DATABASE_URL``, pointed at the test database; an adopted project's
  variable is left alone and ``binding`` sends its engine to the test database
  in the suite's tests, ``connections`` the same for the suite's subprocesses),
  and the one variable that carries the run's state to xdist workers
  (``hand_down``/``handed_down``). ``owners`` names what a process creates, so
  that ``reaper`` can remove what a killed run left, and holds the lock.
- ``schema``: builds that template, by the project's migrations or by
  ``create_all`` (``alembic_upgrade``: ``alembic upgrade head``, in this process
  or in a subprocess; ``migration_checks``: the migrations match the models and
  each one can be undone).
- ``event_loops``: the session's loop, which the database fixtures and the tests
  using them share; the short coroutines of ``schema`` and ``postgresql_provider``
  run on a loop of their own, never unsetting pytest-asyncio's current loop.
- ``sqlite_inline`` (SQLite): the test connection's calls skip aiosqlite's
  thread (imported when the suite's engine is made; ``fallbacks`` turns it off
  if a release moved what it relies on); ``sqlite_interrupts``,
  ``postgres_interrupts``: stop a statement past the hang guard's deadline.
- ``reaper``: remove what killed runs left (folders, databases, servers).

What every test gets:

- ``settings``: the ``pyramid_*`` options, read and checked in one place.
- ``tiers``: mark tests by folder (unit / integration / e2e), register the markers, and
  report the tier shares of the run against the target (``ci_summary`` turns the
  report into the CI job's summary).
- ``guards``: refuse database access where it would lock, leak or touch real data
  (``targets``: which database a URL reaches, by identity rather than spelling,
  with what a PostgreSQL driver fills in from ``PG*`` and its defaults).
- ``transaction_guard``, ``pollution`` (with ``clean_state`` and ``write_sources``:
  whether and who wrote the rows, and what a test's threads did after it ended;
  and ``module_data_tracker``, rows a module's tests share),
  ``leftover_tasks`` (with ``event_loops``): a test cannot leave its transaction,
  rows or tasks to the next one; ``connection_health``: nor a connection it used
  at once from two tasks, changed (``connection_state``: what it keeps between
  transactions), broke or disposed.
- ``budgets``: name unit and integration tests over their time budget
  (``clocks``: what a test is charged, the machine's load left out).
- ``hangs``: fail a hanging test with a traceback at the stuck await (its
  watchdog thread keeps the deadline a blocked event loop cannot see).
- ``fallbacks``: a speed-up or backstop that a dependency's release broke is
  turned off, in one line at the end of the run, rather than failing the run.
- ``baseline``: the day-one ratchet for tests that existed before the suite.
- ``interrupts``: one Ctrl-C, even delivered twice by ``uv run``, gives the short report.
- ``examples``: a project fixture that fails one of the suite's examples is named.
- ``commands``: the project's runner and a failed command's own error, for messages.
- ``tracker``, ``queries``: helpers behind ``test_data_tracker`` and ``assert_max_queries``
  (``clean_state``: also the rows that go with a tracked row).

Adopted projects also get ``requirements_gate`` (loaded
first: stops on packages too old for the suite, by ``versions`` and
``suite_requirements``), ``asyncio_mode`` (an ``asyncio_mode = "auto"`` that
did nothing before adoption stays inert) and ``add_test_dependencies``, the
one adopting command (``adopting``: the project's install tool found by
``install_tools``, driven by ``installers``, then the baseline, compared by
``own_outcomes`` with the project's tests before the change).
"""
