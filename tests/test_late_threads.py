"""Threads a test leaves running: what they do after it ended is named against that test.

A culprit starts a thread that writes a row half a second after the test
returned. When that lands after the worker's last test was checked (alone, or
on two workers), the suite waits for the thread, counts once more and names
the culprit; beside innocent tests in random orders the culprit is named
whenever the row lands. When the lock guard refuses the thread's connection
because the next test holds ``db_session``, that refusal is named against the
culprit too, not reported as "Exception in thread ..." in the innocent test.
Every test passes; the run fails on the finding. SQLite (both paths for the
refusal) and PostgreSQL.
"""

from __future__ import annotations

import pytest

from harness.culprits import FOLDER, run_culprits, with_files
from harness.project import GeneratedProject, PytestRun

pytestmark = pytest.mark.render

LATE_WRITER = """
    import asyncio
    import os
    import threading
    import time

    from sqlalchemy import text

    from music_library.infrastructure.persistence import create_database_engine

    attempted = threading.Event()


    def write_soon(delay, name):
        time.sleep(delay)

        async def write():
            engine = create_database_engine(os.environ["DATABASE_URL"])
            try:
                async with engine.begin() as connection:
                    statement = text("INSERT INTO artists (name) VALUES (:name)")
                    await connection.execute(statement, {"name": name})
            finally:
                await engine.dispose()

        try:
            asyncio.run(write())
        finally:
            attempted.set()
    """
LATE_LAST = """
    import threading

    from tests.integration.repositories.late_writer import write_soon


    def test_leaves_a_thread_that_writes_after_the_last_check():
        threading.Thread(target=write_soon, args=(0.5, "last"), name="late-writer").start()
    """
LATE_LOCKED = """
    import asyncio
    import threading

    from tests.integration.repositories import late_writer


    def test_leaves_a_thread_that_connects_during_the_next_test():
        threading.Thread(
            target=late_writer.write_soon, args=(0.2, "locked"), name="late-writer"
        ).start()


    async def test_holds_db_session_while_the_thread_connects(db_session):
        assert await asyncio.to_thread(late_writer.attempted.wait, 30)
    """
LATE_INNOCENTS = """
    import pytest

    from music_library.infrastructure.persistence import get_unit_of_work
    from tests.fixtures import make_track


    @pytest.mark.parametrize("round_number", range(6))
    async def test_saves_and_finds_a_track_on_db_session(db_session, round_number):
        tracks = get_unit_of_work(db_session).get_track_repository()
        saved = await tracks.save_track(make_track(title="Mine"))
        found = await tracks.get_by_id(saved.id)
        assert found is not None and found.title == "Mine"
    """
LATE_INNOCENT_TESTS = 6
LATE_FILES = {
    "late_writer.py": LATE_WRITER,
    "test_late_last.py": LATE_LAST,
    "test_late_locked.py": LATE_LOCKED,
    "test_late_innocents.py": LATE_INNOCENTS,
}
LATE_CULPRIT = f"{FOLDER}/test_late_last.py::test_leaves_a_thread_that_writes_after_the_last_check"
LATE_ROWS = (
    f"Test pollution: rows were written after test {LATE_CULPRIT} ended, by a thread it "
    "started and left running:\n- table 'artists': 1 row(s)\nThey were deleted after "
)
AFTER_THE_LAST_TEST = (
    f"They were deleted after the last test of its worker, {LATE_CULPRIT}, which is not blamed."
)
LATE_REFUSED = (
    "Test pollution: a thread that test {folder}/test_late_locked.py::"
    "test_leaves_a_thread_that_connects_during_the_next_test started and left running "
    "(late-writer) failed after that test ended, while {folder}/test_late_locked.py::"
    "test_holds_db_session_while_the_thread_connects ran, which is not blamed:\n"
    "tests.plugins.guards.DatabaseAccessError: A second database connection was opened "
    "while db_session holds this test's transaction."
)
LATE_FINDINGS = "pyramid: 1 test(s) left work that wrote after they ended (failed)"
ALONE = [
    pytest.param(("-p", "no:randomly"), id="one-worker"),
    pytest.param(("-p", "no:randomly", "-n", "2"), id="two-workers"),
]
BESIDE_INNOCENTS = [
    pytest.param(("-p", "randomly", "--randomly-seed=1"), id="seed-1"),
    pytest.param(("-p", "randomly", "--randomly-seed=2"), id="seed-2"),
    pytest.param(("-p", "randomly", "--randomly-seed=3", "-n", "2"), id="seed-3-two-workers"),
]


@pytest.fixture(scope="module")
def sqlite_project(
    default_project: GeneratedProject, tmp_path_factory: pytest.TempPathFactory
) -> GeneratedProject:
    clone = default_project.clone(tmp_path_factory.mktemp("late-threads") / "project")
    return with_files(clone, LATE_FILES)


@pytest.fixture(scope="module")
def postgresql_culprits_project(
    postgresql_project: GeneratedProject, tmp_path_factory: pytest.TempPathFactory
) -> GeneratedProject:
    clone = postgresql_project.clone(tmp_path_factory.mktemp("late-threads-pg") / "project")
    return with_files(clone, LATE_FILES)


@pytest.mark.parametrize("order", ALONE)
def test_rows_a_thread_writes_after_the_last_check_are_named_against_its_test(
    sqlite_project: GeneratedProject, order: tuple[str, ...]
) -> None:
    run = run_culprits(sqlite_project, order, ["test_late_last.py"])

    assert_one_late_finding(run, passed=1)
    assert LATE_ROWS + AFTER_THE_LAST_TEST[len("They were deleted after ") :] in run.output


def test_on_postgresql_rows_written_after_the_last_check_are_named_against_their_test(
    postgresql_culprits_project: GeneratedProject, server_url: str
) -> None:
    env = {"TEST_DATABASE_URL": server_url}
    run = run_culprits(
        postgresql_culprits_project, ("-p", "no:randomly"), ["test_late_last.py"], env
    )

    assert_one_late_finding(run, passed=1)
    assert LATE_ROWS + AFTER_THE_LAST_TEST[len("They were deleted after ") :] in run.output


@pytest.mark.parametrize("order", BESIDE_INNOCENTS)
def test_a_late_thread_beside_innocents_is_named_and_every_innocent_passes(
    sqlite_project: GeneratedProject, order: tuple[str, ...]
) -> None:
    """The write lands during a test, between tests or after the last: the culprit is named."""
    files = ["test_late_last.py", "test_late_innocents.py"]
    run = run_culprits(sqlite_project, order, files)

    assert_one_late_finding(run, passed=1 + LATE_INNOCENT_TESTS)
    assert (
        LATE_ROWS in run.output
        or f"Test pollution: a thread that test {LATE_CULPRIT} started and left running"
        in run.output
    ), run.output


@pytest.mark.parametrize("inline", ["true", "false"])
def test_a_late_thread_the_lock_guard_refuses_is_named_not_the_test_holding_db_session(
    sqlite_project: GeneratedProject, inline: str
) -> None:
    order = ("-p", "no:randomly", "-o", f"pyramid_sqlite_inline={inline}")
    run = run_culprits(sqlite_project, order, ["test_late_locked.py"])

    assert_one_late_finding(run, passed=2)
    assert LATE_REFUSED.format(folder=FOLDER) in run.output, run.output


def test_on_postgresql_a_late_thread_the_lock_guard_refuses_is_named_not_the_innocent(
    postgresql_culprits_project: GeneratedProject, server_url: str
) -> None:
    env = {"TEST_DATABASE_URL": server_url}
    run = run_culprits(
        postgresql_culprits_project, ("-p", "no:randomly"), ["test_late_locked.py"], env
    )

    assert_one_late_finding(run, passed=2)
    assert LATE_REFUSED.format(folder=FOLDER) in run.output, run.output


def assert_one_late_finding(run: PytestRun, passed: int) -> None:
    """Every test passed; the run failed on the one finding, and no test got the thread's error."""
    __tracebackhide__ = True
    assert run.returncode == 1, run.output
    run.assert_outcomes(passed=passed, failed=0, error=0)
    assert LATE_FINDINGS in run.output, run.output
    assert "Exception in thread" not in run.output, run.output
