"""Faults that used to break isolation fail their own test, and no other test.

One rendered project gets four culprits (code under test that ends
db_session's transaction twice over, an untracked commit through
``get_session()``, a background task that outlives its test) next to tests
that assert an empty database. The same files run under three random orders
and on two xdist workers: each culprit fails with its message, every other
test passes, whatever ran before it; on PostgreSQL too (``tests/postgres.py``).
"""

from __future__ import annotations

from textwrap import dedent

import pytest

from harness.culprits import FOLDER, assert_only_culprits_fail, run_culprits
from harness.project import GeneratedProject

pytestmark = pytest.mark.render
ENDED = "Failed: db_session's transaction was ended by the code under test: "
CULPRITS = {
    "test_fault_second_session.py": """
        from sqlalchemy import text
        from sqlalchemy.ext.asyncio import AsyncSession

        from music_library.infrastructure.persistence import get_unit_of_work
        from tests.fixtures import make_track


        async def test_second_session_rolls_back_then_commits(db_session):
            other = AsyncSession(bind=db_session.bind)
            await other.execute(text("SELECT 1"))
            await other.rollback()
            uow = get_unit_of_work(db_session)
            await uow.get_track_repository().save_track(make_track())
            await uow.commit()
        """,
    "test_fault_raw_commit.py": """
        from sqlalchemy import text

        from music_library.infrastructure.persistence import get_unit_of_work
        from tests.fixtures import make_track


        async def test_raw_commit_through_db_session(db_session):
            uow = get_unit_of_work(db_session)
            await uow.get_track_repository().save_track(make_track())
            await db_session.execute(text("COMMIT"))
        """,
    "test_fault_untracked_commit.py": """
        from music_library.infrastructure.persistence import get_session, get_unit_of_work
        from tests.fixtures import make_track


        async def test_commits_through_get_session_without_a_fixture():
            async with get_session() as session:
                uow = get_unit_of_work(session)
                await uow.get_track_repository().save_track(make_track())
                await uow.commit()
        """,
    "test_fault_leftover_task.py": """
        import asyncio

        from music_library.infrastructure.persistence import get_session, get_unit_of_work
        from tests.fixtures import make_track


        async def write_later():
            await asyncio.sleep(1)
            async with get_session() as session:
                uow = get_unit_of_work(session)
                await uow.get_track_repository().save_track(make_track())
                await uow.commit()


        async def test_starts_a_write_in_the_background():
            asyncio.create_task(write_later(), name="late-writer")
        """,
}
EMPTY_CHECKS = """
    import pytest
    from sqlalchemy import func, select

    from music_library.infrastructure.persistence import Base, get_session


    @pytest.mark.parametrize("round_number", range(6))
    async def test_database_is_empty_through_db_session(db_session, round_number):
        for table in Base.metadata.sorted_tables:
            count = await db_session.scalar(select(func.count()).select_from(table))
            assert count == 0, table.name


    @pytest.mark.parametrize("round_number", range(6))
    async def test_database_is_empty_through_get_session(round_number):
        async with get_session() as session:
            for table in Base.metadata.sorted_tables:
                count = await session.scalar(select(func.count()).select_from(table))
                assert count == 0, table.name
    """
EMPTY_TESTS = 12
UNOBSERVED_FAILURE = """
    import asyncio


    async def fail_soon():
        raise RuntimeError("lost")


    async def test_starts_a_task_that_fails_unobserved():
        asyncio.create_task(fail_soon(), name="doomed")
        await asyncio.sleep(0.01)


    async def test_starts_a_task_that_fails_and_reads_its_exception():
        task = asyncio.create_task(fail_soon())
        await asyncio.sleep(0.01)
        assert isinstance(task.exception(), RuntimeError)
    """
RAW_DRIVER_WRITE = """
    import os
    import sqlite3

    from sqlalchemy import text
    from sqlalchemy.engine import make_url


    async def test_reads_first_so_the_next_count_is_not_the_first(db_session):
        await db_session.execute(text("SELECT 1"))


    def test_writes_through_sqlite3_itself():
        path = make_url(os.environ["DATABASE_URL"]).database
        connection = sqlite3.connect(path)
        with connection:
            connection.execute("INSERT INTO artists (name) VALUES ('raw')")
        connection.close()
    """
EXPECTED_ERRORS = {
    "test_fault_second_session.py::test_second_session_rolls_back_then_commits": (
        ENDED + "the connection was rolled back (a second session on db_session.bind?)."
    ),
    "test_fault_raw_commit.py::test_raw_commit_through_db_session": (
        ENDED + "the driver left the transaction (COMMIT or ROLLBACK executed as SQL?)."
    ),
    "test_fault_untracked_commit.py::test_commits_through_get_session_without_a_fixture": (
        "Failed: Test pollution: this test left rows in the database that nothing removed:"
    ),
    "test_fault_leftover_task.py::test_starts_a_write_in_the_background": (
        "Failed: This test left 1 task(s) running after its teardown; they have been cancelled:"
    ),
}


@pytest.fixture(scope="module")
def faulty_project(
    default_project: GeneratedProject, tmp_path_factory: pytest.TempPathFactory
) -> GeneratedProject:
    project = default_project.clone(tmp_path_factory.mktemp("faults") / "project")
    return with_culprits(project)


@pytest.fixture(scope="module")
def faulty_postgresql_project(
    postgresql_project: GeneratedProject, tmp_path_factory: pytest.TempPathFactory
) -> GeneratedProject:
    project = postgresql_project.clone(tmp_path_factory.mktemp("faults-postgresql") / "project")
    return with_culprits(project)


@pytest.mark.parametrize(
    "order",
    [
        pytest.param(("-p", "randomly", "--randomly-seed=1"), id="seed-1"),
        pytest.param(("-p", "randomly", "--randomly-seed=3", "-n", "2"), id="seed-3-two-workers"),
    ],
)
def test_each_culprit_fails_with_its_message_and_no_other_test_fails(
    faulty_project: GeneratedProject, order: tuple[str, ...]
) -> None:
    run = run_culprits(faulty_project, order, culprit_files())

    assert_only_culprits_fail(run, EXPECTED_ERRORS, innocents=EMPTY_TESTS + len(CULPRITS))


@pytest.mark.parametrize(
    "order",
    [
        pytest.param(("-p", "randomly", "--randomly-seed=1"), id="seed-1"),
        pytest.param(("-p", "randomly", "--randomly-seed=2", "-n", "2"), id="seed-2-two-workers"),
    ],
)
def test_on_postgresql_each_culprit_fails_with_its_message_and_no_other_test_fails(
    faulty_postgresql_project: GeneratedProject, server_url: str, order: tuple[str, ...]
) -> None:
    env = {"TEST_DATABASE_URL": server_url}
    run = run_culprits(faulty_postgresql_project, order, culprit_files(), env)

    assert_only_culprits_fail(run, EXPECTED_ERRORS, innocents=EMPTY_TESTS + len(CULPRITS))


def test_messages_name_what_was_left_and_where(faulty_project: GeneratedProject) -> None:
    run = faulty_project.pytest(
        "-p", "no:randomly",
        f"{FOLDER}/test_fault_untracked_commit.py", f"{FOLDER}/test_fault_leftover_task.py",
    )  # fmt: skip

    run.assert_outcomes(passed=2, error=2)
    assert (
        "- table 'artists': 1 row(s)\n- table 'track_artists': 1 row(s)\n"
        "- table 'tracks': 1 row(s)\nThey were deleted, so later tests start clean."
    ) in run.output
    assert (
        "- late-writer: write_later() defined at "
        f"{FOLDER}/test_fault_leftover_task.py:8, waiting at {FOLDER}/test_fault_leftover_task.py:9"
    ) in run.output


def test_a_write_that_bypasses_sqlalchemy_is_counted_too(faulty_project: GeneratedProject) -> None:
    """The count is skipped only when nothing could write: a raw driver connection could."""
    faulty_project.write(f"{FOLDER}/test_fault_raw_driver.py", dedent(RAW_DRIVER_WRITE))

    run = faulty_project.pytest(
        "-p", "no:randomly",
        f"{FOLDER}/test_fault_raw_driver.py", f"{FOLDER}/test_empty_database.py",
    )  # fmt: skip

    run.assert_outcomes(passed=2 + EMPTY_TESTS, error=1, failed=0)
    assert "Test pollution: this test left rows in the database that nothing removed:\n" in (
        run.output
    )
    assert "- table 'artists': 1 row(s)\nThey were deleted" in run.output


def test_a_task_that_fails_unobserved_fails_its_test_not_the_log(
    faulty_project: GeneratedProject,
) -> None:
    faulty_project.write(f"{FOLDER}/test_fault_unobserved_task.py", dedent(UNOBSERVED_FAILURE))

    run = faulty_project.pytest("-p", "no:randomly", f"{FOLDER}/test_fault_unobserved_task.py")

    run.assert_outcomes(passed=2, error=1, failed=0)
    assert (
        "A task this test started failed and nothing awaited it, so its exception would only be "
        "logged later as 'Task exception was never retrieved':\n"
        "- doomed: fail_soon() raised RuntimeError('lost')\n"
    ) in run.output
    assert "ERROR tests/integration/repositories/test_fault_unobserved_task.py::" in run.output


# -- helpers -----------------------------------------------------------------


def with_culprits(project: GeneratedProject) -> GeneratedProject:
    for name, body in CULPRITS.items():
        project.write(f"{FOLDER}/{name}", dedent(body))
    project.write(f"{FOLDER}/test_empty_database.py", dedent(EMPTY_CHECKS))
    return project


def culprit_files() -> list[str]:
    """The files a culprit run takes: the empty-database checks, the render's own, the culprits."""
    return ["test_empty_database.py", "test_isolation.py", *CULPRITS]
