"""Isolation, round three (issue #23's gaps): runaway statements anywhere, connection state.

One rendered project gets culprits next to tests that need a clean connection:
statements that never end in a fixture's setup, in a fixture's teardown and in
synchronous tests; an isolation level or row decoding changed on the driver
connection under ``db_session``; SQLAlchemy execution options set in place on
it. Run in random orders, on two workers, on both SQLite paths and on
PostgreSQL: every run ends, each culprit fails with its cause (the hang guard's
message with the time it took, or the changed state), every other test passes.
Threads a test leaves running are in test_late_threads.py.
"""

from __future__ import annotations

import re

import pytest

from harness.culprits import assert_only_culprits_fail, run_culprits, with_files
from harness.project import GeneratedProject, PytestRun

pytestmark = pytest.mark.render

TIMEOUT = ("-o", "pyramid_integration_timeout=5")
"""Short, so that the runaway statements cost seconds; far above what the other tests take."""
HANG = (
    "Failed: Hang guard: this integration test was still waiting after 5 s "
    "(pyramid_integration_timeout) and was stopped "
)
CHANGED = "Failed: This test changed db_session's connection in a way the rollback does not undo: "
RUNAWAY_SQL = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
)
RUNAWAY_PHASES = f"""
    import asyncio
    import os

    import pytest_asyncio
    from sqlalchemy import text

    from music_library.infrastructure.persistence import create_database_engine, get_session

    RUNAWAY = text("{RUNAWAY_SQL}")


    @pytest_asyncio.fixture(loop_scope="session")
    async def runs_away_in_setup(db_session):
        await db_session.execute(RUNAWAY)
        yield


    @pytest_asyncio.fixture(loop_scope="session")
    async def runs_away_in_teardown():
        yield
        async with get_session() as session:
            await session.execute(RUNAWAY)


    async def test_uses_a_fixture_that_runs_away_in_setup(runs_away_in_setup):
        pass


    async def test_uses_a_fixture_that_runs_away_in_teardown(runs_away_in_teardown):
        pass


    def test_sync_runs_away_on_an_engine_of_its_own():
        async def run_away():
            engine = create_database_engine(os.environ["DATABASE_URL"])
            try:
                async with engine.connect() as connection:
                    await connection.execute(RUNAWAY)
            finally:
                await engine.dispose()

        asyncio.run(run_away())
    """
SQLITE_RUNAWAY = f"""
    import os
    import sqlite3

    from sqlalchemy.engine import make_url


    def test_sync_runs_away_on_sqlite3_itself():
        connection = sqlite3.connect(make_url(os.environ["DATABASE_URL"]).database)
        try:
            connection.execute("{RUNAWAY_SQL}")
        finally:
            connection.close()
    """
EXECUTION_OPTIONS = """
    async def test_sets_an_execution_option_on_db_sessions_connection(db_session):
        connection = await db_session.connection()
        await connection.execution_options(schema_translate_map={None: "elsewhere"})


    async def test_sets_an_isolation_level_through_sqlalchemy(db_session):
        connection = await db_session.connection()
        await connection.execution_options(isolation_level="SERIALIZABLE")
    """
REFUSED_BY_SQLALCHEMY = (
    "sqlalchemy.exc.InvalidRequestError: This connection has already initialized a SQLAlchemy "
    "Transaction() object via begin() or autobegin; isolation_level may not be altered"
)
"""SQLAlchemy's own refusal inside db_session's transaction; it keeps the option on the
connection all the same (where a replaced connection would pick it up), so teardown names it."""
SQLITE_STATE = """
    from sqlalchemy import text


    async def test_turns_read_uncommitted_on(db_session):
        await db_session.execute(text("PRAGMA read_uncommitted = 1"))


    async def test_sets_the_drivers_isolation_level(db_session):
        raw = await (await db_session.connection()).get_raw_connection()
        raw.driver_connection.isolation_level = "DEFERRED"


    async def test_decodes_text_as_bytes(db_session):
        raw = await (await db_session.connection()).get_raw_connection()
        raw.driver_connection.text_factory = bytes


    async def test_overrides_a_sql_function(db_session):
        raw = await (await db_session.connection()).get_raw_connection()
        await raw.driver_connection.create_function("lower", 1, lambda value: "overridden")
    """
POSTGRESQL_STATE = """
    from sqlalchemy import text


    async def test_turns_autocommit_on_for_later_transactions(db_session):
        raw = await (await db_session.connection()).get_raw_connection()
        raw.dbapi_connection.autocommit = True


    async def test_makes_later_transactions_read_only(db_session):
        raw = await (await db_session.connection()).get_raw_connection()
        raw.dbapi_connection.readonly = True


    async def test_commits_session_characteristics(db_session):
        await db_session.execute(
            text("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE")
        )
        await db_session.execute(text("COMMIT"))
    """
POSTGRESQL_UNDONE = """
    from sqlalchemy import text


    async def test_sets_session_characteristics_inside_db_session(db_session):
        await db_session.execute(
            text("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE")
        )
    """
INNOCENTS = """
    import pytest
    from sqlalchemy import func, select, text

    from music_library.infrastructure.persistence import Base, get_unit_of_work
    from tests.fixtures import make_track


    @pytest.mark.parametrize("round_number", range(6))
    async def test_finds_the_connection_as_it_was_opened(db_session, round_number):
        for table in Base.metadata.sorted_tables:
            assert await db_session.scalar(select(func.count()).select_from(table)) == 0
        if db_session.bind.dialect.name == "sqlite":
            assert await db_session.scalar(text("PRAGMA read_uncommitted")) == 0
            assert await db_session.scalar(text("SELECT lower('ABC')")) == "abc"
            raw = await (await db_session.connection()).get_raw_connection()
            assert raw.driver_connection.isolation_level is None
        else:
            assert await db_session.scalar(text("SHOW transaction_isolation")) == "read committed"
            assert await db_session.scalar(text("SHOW transaction_read_only")) == "off"
        uow = get_unit_of_work(db_session)
        saved = await uow.get_track_repository().save_track(make_track(title="Clean"))
        await uow.commit()
        found = await uow.get_track_repository().get_by_id(saved.id)
        assert found is not None and found.title == "Clean"
    """
INNOCENT_TESTS = 6
EXPECTED = {
    "test_fault_runaway_phases.py::test_uses_a_fixture_that_runs_away_in_setup": HANG,
    "test_fault_runaway_phases.py::test_uses_a_fixture_that_runs_away_in_teardown": HANG,
    "test_fault_runaway_phases.py::test_sync_runs_away_on_an_engine_of_its_own": HANG,
    "test_fault_execution_options.py::test_sets_an_execution_option_on_db_sessions_connection": (
        CHANGED + "execution_options schema_translate_map."
    ),
    "test_fault_execution_options.py::test_sets_an_isolation_level_through_sqlalchemy": (
        REFUSED_BY_SQLALCHEMY,
        CHANGED + "execution_options isolation_level.",
    ),
}
SQLITE_EXPECTED = {
    **EXPECTED,
    "test_fault_sqlite_runaway.py::test_sync_runs_away_on_sqlite3_itself": HANG,
    "test_fault_sqlite_state.py::test_turns_read_uncommitted_on": (
        CHANGED + "read_uncommitted 0 -> 1."
    ),
    "test_fault_sqlite_state.py::test_sets_the_drivers_isolation_level": (
        CHANGED + "isolation_level None -> 'DEFERRED'."
    ),
    "test_fault_sqlite_state.py::test_decodes_text_as_bytes": (
        CHANGED + "text_factory 'str' -> 'bytes'."
    ),
    "test_fault_sqlite_state.py::test_overrides_a_sql_function": (
        CHANGED + "application_functions "
    ),
}
POSTGRESQL_EXPECTED = {
    **EXPECTED,
    "test_fault_postgresql_state.py::test_turns_autocommit_on_for_later_transactions": (
        CHANGED + "isolation_level "
    ),
    "test_fault_postgresql_state.py::test_makes_later_transactions_read_only": (
        CHANGED + "readonly False -> True."
    ),
    "test_fault_postgresql_state.py::test_commits_session_characteristics": (
        "Failed: db_session's transaction was ended by the code under test: "
    ),
}
SQLITE_FILES = {
    "test_fault_runaway_phases.py": RUNAWAY_PHASES,
    "test_fault_sqlite_runaway.py": SQLITE_RUNAWAY,
    "test_fault_execution_options.py": EXECUTION_OPTIONS,
    "test_fault_sqlite_state.py": SQLITE_STATE,
    "test_clean_connection_state.py": INNOCENTS,
}
POSTGRESQL_FILES = {
    "test_fault_runaway_phases.py": RUNAWAY_PHASES,
    "test_fault_execution_options.py": EXECUTION_OPTIONS,
    "test_fault_postgresql_state.py": POSTGRESQL_STATE,
    "test_undone_by_the_rollback.py": POSTGRESQL_UNDONE,
    "test_clean_connection_state.py": INNOCENTS,
}


@pytest.fixture(scope="module")
def sqlite_project(
    default_project: GeneratedProject, tmp_path_factory: pytest.TempPathFactory
) -> GeneratedProject:
    clone = default_project.clone(tmp_path_factory.mktemp("round-three") / "project")
    return with_files(clone, SQLITE_FILES)


@pytest.fixture(scope="module")
def postgresql_culprits_project(
    postgresql_project: GeneratedProject, tmp_path_factory: pytest.TempPathFactory
) -> GeneratedProject:
    clone = postgresql_project.clone(tmp_path_factory.mktemp("round-three-pg") / "project")
    return with_files(clone, POSTGRESQL_FILES)


@pytest.mark.parametrize(
    "order",
    [
        pytest.param(("-p", "randomly", "--randomly-seed=1"), id="seed-1"),
        pytest.param(("-p", "randomly", "--randomly-seed=2", "-n", "2"), id="seed-2-two-workers"),
        pytest.param(
            ("-p", "randomly", "--randomly-seed=3", "-o", "pyramid_sqlite_inline=false"),
            id="seed-3-aiosqlite-thread",
        ),
        pytest.param(
            ("-p", "randomly", "--randomly-seed=1", "-n", "2", "-o", "pyramid_sqlite_inline=false"),
            id="seed-1-two-workers-aiosqlite-thread",
            marks=pytest.mark.field,
        ),
    ],
)
def test_each_culprit_fails_with_its_cause_whatever_the_phase_and_no_other_test_fails(
    sqlite_project: GeneratedProject, order: tuple[str, ...]
) -> None:
    run = run_culprits(sqlite_project, (*order, *TIMEOUT), SQLITE_FILES)

    assert_only_culprits_fail(run, SQLITE_EXPECTED, innocents=INNOCENT_TESTS)
    assert_hangs_give_the_time_they_took(run)


@pytest.mark.parametrize(
    "order",
    [
        pytest.param(("-p", "randomly", "--randomly-seed=2"), id="seed-2"),
        pytest.param(("-p", "randomly", "--randomly-seed=3", "-n", "2"), id="seed-3-two-workers"),
        pytest.param(("-p", "randomly", "--randomly-seed=1"), id="seed-1", marks=pytest.mark.field),
    ],
)
def test_on_postgresql_each_culprit_fails_with_its_cause_and_no_other_test_fails(
    postgresql_culprits_project: GeneratedProject, server_url: str, order: tuple[str, ...]
) -> None:
    env = {"TEST_DATABASE_URL": server_url}
    run = run_culprits(postgresql_culprits_project, (*order, *TIMEOUT), POSTGRESQL_FILES, env)

    assert_only_culprits_fail(run, POSTGRESQL_EXPECTED, innocents=INNOCENT_TESTS + 1)
    assert_hangs_give_the_time_they_took(run)
    assert "settings '' -> 'default_transaction_isolation=serializable'" in run.output


def assert_hangs_give_the_time_they_took(run: PytestRun) -> None:
    """Each hang message says when the test was stopped: at its deadline, not a minute later."""
    __tracebackhide__ = True
    stopped = [float(s) for s in re.findall(r"and was stopped (\d+\.\d) s after", run.output)]
    assert stopped, run.output
    assert all(5.0 <= seconds < 60.0 for seconds in stopped), stopped  # the backstop: 60 s
