"""What a test does to the worker's connection fails that test, and no other.

One rendered project gets culprits that harm the connection every test of a
worker shares: two queries at once on ``db_session`` (``asyncio.gather``),
connection state a rollback keeps (``PRAGMA query_only``; on PostgreSQL a
session advisory lock and a prepared statement), a closed driver connection, a
disposed engine, statements that never end (on ``db_session`` and on the
application's own engine). Beside them, tests that write, and tests that find
the database empty. Each run (random orders, two xdist workers, both SQLite
paths, PostgreSQL) ends; each culprit fails with the message naming its cause,
and every other test passes, so the connection was handed on clean.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from textwrap import dedent

import pytest

from harness.culprits import FOLDER, assert_only_culprits_fail, run_culprits
from harness.project import GeneratedProject

pytestmark = pytest.mark.render
TIMEOUT = ("-o", "pyramid_integration_timeout=5")
"""Short, so that the runaway statements cost seconds; far above what the other tests take."""

CONCURRENT = "Failed: db_session was used by two tasks at once ("
CHANGED = "Failed: This test changed db_session's connection in a way the rollback does not undo: "
BROKEN = "Failed: db_session's connection was left unusable by this test ("
DISPOSED = "Failed: This test disposed the suite's engine (db_session.bind.engine.dispose() or "
HANG = (
    "Failed: Hang guard: this integration test was still waiting after 5 s "
    "(pyramid_integration_timeout) and was stopped "
)
SESSION_PROVISIONING = "sqlalchemy.exc.InvalidRequestError: This session is provisioning a new"

RUNAWAY_SQL = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
)
CULPRITS: dict[str, tuple[str, tuple[str, ...]]] = {
    "test_fault_gather.py": (
        """
        import asyncio

        from sqlalchemy import text


        async def test_gathers_two_queries_on_db_session(db_session):
            await db_session.execute(text("SELECT 0"))
            await asyncio.gather(
                db_session.execute(text("SELECT 1")), db_session.execute(text("SELECT 2"))
            )
        """,
        (CONCURRENT + "a statement started while another task's was still running",),
    ),
    "test_fault_gather_first.py": (
        """
        import asyncio

        from sqlalchemy import text


        async def test_gathers_the_first_queries_of_db_session(db_session):
            await asyncio.gather(
                db_session.execute(text("SELECT 1")), db_session.execute(text("SELECT 2"))
            )
        """,
        # SQLAlchemy refuses the second query itself; the first may still run at teardown.
        (SESSION_PROVISIONING, CONCURRENT + "a task was still running a query on db_session"),
    ),
    "test_fault_driver_close.py": (
        """
        async def test_closes_the_driver_connection(db_session):
            connection = await db_session.connection()
            raw = await connection.get_raw_connection()
            await raw.driver_connection.close()
        """,
        (BROKEN,),
    ),
    "test_fault_dispose.py": (
        """
        async def test_disposes_the_engine_under_db_session(db_session):
            await db_session.bind.engine.dispose()


        async def test_disposes_the_engine_fixture(db_engine):
            await db_engine.dispose()
        """,
        (DISPOSED,),
    ),
    "test_fault_runaway.py": (
        f"""
        from sqlalchemy import text

        from music_library.infrastructure.persistence import get_session

        RUNAWAY = text("{RUNAWAY_SQL}")


        async def test_runs_a_statement_that_never_ends(db_session):
            await db_session.execute(RUNAWAY)


        async def test_runs_it_on_the_application_engine():
            async with get_session() as session:
                await session.execute(RUNAWAY)
        """,
        (HANG,),
    ),
}
SQLITE_CULPRITS = {
    "test_fault_query_only.py": (
        """
        from sqlalchemy import text


        async def test_turns_query_only_on(db_session):
            await db_session.execute(text("PRAGMA query_only = ON"))
        """,
        (CHANGED + "query_only 0 -> 1.",),
    ),
}
POSTGRESQL_CULPRITS = {
    "test_fault_advisory_lock.py": (
        """
        from sqlalchemy import text


        async def test_takes_a_session_advisory_lock(db_session):
            await db_session.execute(text("SELECT pg_advisory_lock(4242)"))
        """,
        (CHANGED + "advisory_locks 0 -> 1.",),
    ),
    "test_fault_prepare.py": (
        """
        from sqlalchemy import text


        async def test_prepares_a_statement_in_sql(db_session):
            await db_session.execute(text("PREPARE pyramid_probe AS SELECT 1"))
        """,
        (CHANGED + "prepared_statements '' -> 'pyramid_probe'.",),
    ),
}
INNOCENTS = """
    import pytest
    from sqlalchemy import func, select

    from music_library.infrastructure.persistence import Base, get_unit_of_work
    from tests.fixtures import make_track


    @pytest.mark.parametrize("round_number", range(6))
    async def test_writes_and_reads_back_on_a_clean_connection(db_session, round_number):
        for table in Base.metadata.sorted_tables:
            count = await db_session.scalar(select(func.count()).select_from(table))
            assert count == 0, table.name
        uow = get_unit_of_work(db_session)
        saved = await uow.get_track_repository().save_track(make_track())
        await uow.commit()
        assert await uow.get_track_repository().get_by_id(saved.id) is not None
    """
POSTGRESQL_INNOCENTS = """
    import pytest
    from sqlalchemy import text

    from music_library.infrastructure.persistence import get_session


    @pytest.mark.parametrize("round_number", range(3))
    async def test_the_advisory_lock_is_free(round_number):
        async with get_session() as session:
            assert await session.scalar(text("SELECT pg_try_advisory_lock(4242)"))
            await session.execute(text("SELECT pg_advisory_unlock(4242)"))


    @pytest.mark.parametrize("round_number", range(3))
    async def test_prepares_and_deallocates_its_own_statement(db_session, round_number):
        await db_session.execute(text("PREPARE pyramid_probe AS SELECT 2"))
        assert await db_session.scalar(text("EXECUTE pyramid_probe")) == 2
        await db_session.execute(text("DEALLOCATE pyramid_probe"))
    """
INNOCENT_TESTS = 6
INNOCENT_FILES = ("test_clean_connection.py", "test_connection_is_free.py")


@pytest.fixture(scope="module")
def sqlite_project(
    default_project: GeneratedProject, tmp_path_factory: pytest.TempPathFactory
) -> GeneratedProject:
    project = default_project.clone(tmp_path_factory.mktemp("connection-faults") / "project")
    return with_culprits(project, {**CULPRITS, **SQLITE_CULPRITS})


@pytest.fixture(scope="module")
def postgresql_culprits_project(
    postgresql_project: GeneratedProject, tmp_path_factory: pytest.TempPathFactory
) -> GeneratedProject:
    folder = tmp_path_factory.mktemp("connection-faults-postgresql") / "project"
    project = with_culprits(postgresql_project.clone(folder), {**CULPRITS, **POSTGRESQL_CULPRITS})
    project.write(f"{FOLDER}/{INNOCENT_FILES[1]}", dedent(POSTGRESQL_INNOCENTS))
    return project


@pytest.mark.parametrize(
    "order",
    [
        pytest.param(("-p", "randomly", "--randomly-seed=1"), id="seed-1"),
        pytest.param(("-p", "randomly", "--randomly-seed=2", "-n", "2"), id="seed-2-two-workers"),
        pytest.param(
            ("-p", "randomly", "--randomly-seed=3", "-o", "pyramid_sqlite_inline=false"),
            id="seed-3-aiosqlite-thread",
        ),
        pytest.param(("-p", "randomly", "--randomly-seed=2"), id="seed-2", marks=pytest.mark.field),
        pytest.param(("-p", "randomly", "--randomly-seed=3"), id="seed-3", marks=pytest.mark.field),
        pytest.param(
            ("-p", "randomly", "--randomly-seed=1", "-n", "2", "-o", "pyramid_sqlite_inline=false"),
            id="seed-1-two-workers-aiosqlite-thread",
            marks=pytest.mark.field,
        ),
    ],
)
def test_each_connection_culprit_fails_with_its_cause_and_no_other_test_fails(
    sqlite_project: GeneratedProject, order: tuple[str, ...]
) -> None:
    culprits = {**CULPRITS, **SQLITE_CULPRITS}

    run = run_culprits(sqlite_project, (*order, *TIMEOUT), culprit_files(sqlite_project, culprits))

    assert_only_culprits_fail(run, expected_failures(culprits), innocents=INNOCENT_TESTS)


@pytest.mark.parametrize(
    "order",
    [
        pytest.param(("-p", "randomly", "--randomly-seed=1"), id="seed-1"),
        pytest.param(("-p", "randomly", "--randomly-seed=3", "-n", "2"), id="seed-3-two-workers"),
        pytest.param(("-p", "randomly", "--randomly-seed=2"), id="seed-2", marks=pytest.mark.field),
    ],
)
def test_on_postgresql_each_connection_culprit_fails_with_its_cause_and_no_other_test_fails(
    postgresql_culprits_project: GeneratedProject, server_url: str, order: tuple[str, ...]
) -> None:
    culprits = {**CULPRITS, **POSTGRESQL_CULPRITS}
    files = culprit_files(postgresql_culprits_project, culprits)

    run = run_culprits(
        postgresql_culprits_project, (*order, *TIMEOUT), files, {"TEST_DATABASE_URL": server_url}
    )

    assert_only_culprits_fail(run, expected_failures(culprits), innocents=INNOCENT_TESTS + 6)


def test_a_test_database_url_naming_the_protected_database_is_a_usage_error(
    postgresql_project: GeneratedProject,
) -> None:
    """The suite's own server connection would be refused at the end of the run: say so at once."""
    run = postgresql_project.pytest(
        "-p", "no:randomly", "tests/unit/domain",
        env={
            "TEST_DATABASE_URL": "postgresql://app:secret@127.0.0.1:5999/shop",
            "DATABASE_URL": "postgresql+asyncpg://app:secret@localhost:5999/shop",
        },
    )  # fmt: skip

    assert run.returncode == pytest.ExitCode.USAGE_ERROR, run.output
    assert (
        "ERROR: TEST_DATABASE_URL names postgresql://app:***@127.0.0.1:5999/shop, which is the "
        "database of your environment (DATABASE_URL or the application default) that tests "
        "must never touch: the suite connects to TEST_DATABASE_URL's database to create and "
        "drop its own test databases next to it. Fix: point TEST_DATABASE_URL at another "
        "database of that server (e.g. postgresql://app:***@127.0.0.1:5999/postgres), or point "
        "the application at its own database. See docs/testing.md#running-postgresql-locally"
    ) in run.output
    assert "Traceback" not in run.output


# -- helpers -----------------------------------------------------------------


def with_culprits(
    project: GeneratedProject, culprits: Mapping[str, tuple[str, tuple[str, ...]]]
) -> GeneratedProject:
    for name, (body, _messages) in culprits.items():
        project.write(f"{FOLDER}/{name}", dedent(body))
    project.write(f"{FOLDER}/{INNOCENT_FILES[0]}", dedent(INNOCENTS))
    return project


def expected_failures(
    culprits: Mapping[str, tuple[str, tuple[str, ...]]],
) -> dict[str, tuple[str, ...]]:
    """Each culprit test (``file.py::test``) and the starts its messages may have."""
    return {
        f"{name}::{test}": messages
        for name, (body, messages) in culprits.items()
        for test in re.findall(r"^async def (test_\w+)", dedent(body), re.MULTILINE)
    }


def culprit_files(project: GeneratedProject, culprits: Mapping[str, object]) -> list[str]:
    """The culprits and the innocent files written into ``project``."""
    innocents = [name for name in INNOCENT_FILES if (project.root / FOLDER / name).exists()]
    return [*culprits, *innocents]
