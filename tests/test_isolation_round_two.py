"""Isolation, round two (issue #23, points 3, 5 and 6): cleanup, blame and the guard, for real.

One rendered project gets culprits next to the tests of ``test_isolation_faults``
that assert an empty database: the guide's pattern committed for real (a track
saved with a new artist outside ``db_session``, then ``add_track``), a module
sharing committed rows through ``module_data_tracker``, one that commits them
untracked, and a test that hangs an untracked row on the shared ones. Run in
three random orders and on two workers, on SQLite and PostgreSQL: each culprit
fails with its message, every other test passes. A thread that writes after
its test ended is reported against that test, not the one running then. And on
a real server, no spelling of the protected database gets a row into it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from textwrap import dedent

import pytest
from sqlalchemy.engine import make_url

from harness.culprits import FOLDER, WIDE, assert_only_culprits_fail, run_culprits
from harness.project import GeneratedProject
from tests.test_isolation_faults import EMPTY_CHECKS, EMPTY_TESTS

pytestmark = pytest.mark.render
CULPRITS = {
    "test_round_two_guide_pattern.py": """
        from music_library.domain import Artist, Track
        from music_library.infrastructure.persistence import get_session, get_unit_of_work


        async def test_guide_pattern_committed_for_real_leaves_nothing(test_data_tracker):
            async with get_session() as session:
                uow = get_unit_of_work(session)
                track = Track(title="TEST_Song", artists=[Artist(name="TEST_Artist")])
                saved = await uow.get_track_repository().save_track(track)
                await uow.commit()
            test_data_tracker.add_track(saved.id)


        async def test_a_playlist_of_the_tracked_track_goes_with_it(test_data_tracker):
            from music_library.domain import Playlist

            async with get_session() as session:
                uow = get_unit_of_work(session)
                track = await uow.get_track_repository().save_track(
                    Track(title="Mixed", artists=[Artist(name="Mixer")])
                )
                playlist = await uow.get_playlist_repository().save_playlist(
                    Playlist(name="Mix", tracks=[track])
                )
                await uow.commit()
            assert playlist.id is not None
            test_data_tracker.add_track(track.id)
        """,
    "test_round_two_shared_data.py": """
        import pytest_asyncio
        from sqlalchemy import func, select, text

        from music_library.domain import Artist, Track
        from music_library.infrastructure.persistence import get_session, get_unit_of_work
        from music_library.infrastructure.persistence.models import ArtistRecord, TrackRecord


        @pytest_asyncio.fixture(scope="module", loop_scope="session")
        async def shared_track(module_data_tracker):
            async with get_session() as session:
                uow = get_unit_of_work(session)
                track = Track(title="Shared", artists=[Artist(name="Shared Artist")])
                saved = await uow.get_track_repository().save_track(track)
                await uow.commit()
            module_data_tracker.add_track(saved.id)
            return saved


        async def test_one_user_finds_the_shared_track(shared_track, db_session):
            assert await db_session.scalar(select(func.count()).select_from(TrackRecord)) == 1


        async def test_another_user_finds_it_too(shared_track, db_session):
            tracks = get_unit_of_work(db_session).get_track_repository()
            found = await tracks.get_by_id(shared_track.id)
            assert found is not None and found.title == "Shared"


        async def test_a_tracked_track_by_the_shared_artist_leaves_the_artist(
            shared_track, test_data_tracker
        ):
            async with get_session() as session:
                uow = get_unit_of_work(session)
                artist = shared_track.artists[0]
                track = Track(title="Also", artists=[artist])
                saved = await uow.get_track_repository().save_track(track)
                await uow.commit()
            test_data_tracker.add_track(saved.id)


        async def test_the_shared_artist_outlives_the_tracks_of_others(shared_track, db_session):
            assert await db_session.scalar(select(func.count()).select_from(ArtistRecord)) == 1


        async def test_hangs_an_untracked_playlist_on_the_shared_track(shared_track):
            async with get_session() as session:
                playlist = await session.scalar(
                    text("INSERT INTO playlists (name) VALUES ('Loose') RETURNING id")
                )
                await session.execute(
                    text(
                        "INSERT INTO playlist_tracks (playlist_id, track_id, position) "
                        "VALUES (:playlist, :track, 0)"
                    ),
                    {"playlist": playlist, "track": shared_track.id},
                )
                await session.commit()
        """,
    "test_round_two_untracked_module_data.py": """
        import pytest_asyncio
        from music_library.domain import Artist, Track
        from music_library.infrastructure.persistence import get_session, get_unit_of_work


        @pytest_asyncio.fixture(scope="module", loop_scope="session")
        async def untracked_track(db_connection):  # the schema, when it runs first
            async with get_session() as session:
                uow = get_unit_of_work(session)
                track = Track(title="Untracked", artists=[Artist(name="Nobody")])
                saved = await uow.get_track_repository().save_track(track)
                await uow.commit()
            return saved


        async def test_uses_module_data_nobody_tracks(untracked_track):
            assert untracked_track.id is not None
        """,
}
LEFTOVER = "Failed: Test pollution: this test left rows in the database that nothing removed:"
EXPECTED_ERRORS = {
    "test_round_two_untracked_module_data.py::test_uses_module_data_nobody_tracks": (
        "Failed: Test pollution: fixture 'untracked_track', set up for this test with a scope "
        "wider than a test, committed rows that nothing tracks:"
    ),
    "test_round_two_shared_data.py::test_hangs_an_untracked_playlist_on_the_shared_track": (
        LEFTOVER
    ),
}
INNOCENTS = EMPTY_TESTS + 6
"""Must pass: the empty-database checks, the guide's two tests, the shared module's four."""
ORDERS = [
    pytest.param(("-p", "randomly", "--randomly-seed=1"), id="seed-1"),
    pytest.param(("-p", "randomly", "--randomly-seed=2"), id="seed-2"),
    pytest.param(("-p", "randomly", "--randomly-seed=3", "-n", "2"), id="seed-3-two-workers"),
]
LATE_WRITER = """
    import asyncio
    import os
    import threading
    import time

    import pytest
    from sqlalchemy import text

    from music_library.infrastructure.persistence import create_database_engine


    written = threading.Event()


    def write_soon():
        time.sleep(0.5)

        async def write():
            engine = create_database_engine(os.environ["DATABASE_URL"])
            try:
                async with engine.begin() as connection:
                    await connection.execute(text("INSERT INTO artists (name) VALUES ('late')"))
            finally:
                await engine.dispose()

        try:
            asyncio.run(write())
        finally:
            written.set()


    def test_starts_a_thread_that_writes_after_it_returns():
        threading.Thread(target=write_soon, name="late-writer").start()


    @pytest.mark.parametrize("round_number", range(2))
    async def test_waits_while_the_thread_writes(round_number):
        # Until the thread has written, however slow the machine: the write lands
        # during this test, never after the worker's last check.
        await asyncio.to_thread(written.wait, 30)
    """
LATE_FINDING = (
    "Test pollution: rows were written after test {folder}/test_round_two_late.py::"
    "test_starts_a_thread_that_writes_after_it_returns ended, by a thread it started and left "
    "running:\n- table 'artists': 1 row(s)\nThey were deleted after {folder}/test_round_two_late.py"
    "::test_waits_while_the_thread_writes["
)


@pytest.fixture(scope="module")
def round_two_project(
    default_project: GeneratedProject, tmp_path_factory: pytest.TempPathFactory
) -> GeneratedProject:
    return with_culprits(default_project.clone(tmp_path_factory.mktemp("round-two") / "project"))


@pytest.fixture(scope="module")
def round_two_postgresql_project(
    postgresql_project: GeneratedProject, tmp_path_factory: pytest.TempPathFactory
) -> GeneratedProject:
    clone = postgresql_project.clone(tmp_path_factory.mktemp("round-two-pg") / "project")
    return with_culprits(clone)


@pytest.mark.parametrize("order", ORDERS)
def test_cleanup_and_blame_fail_only_the_culprits(
    round_two_project: GeneratedProject, order: tuple[str, ...]
) -> None:
    run = run_culprits(round_two_project, order, culprit_files())

    assert_only_culprits_fail(run, EXPECTED_ERRORS, innocents=INNOCENTS)


@pytest.mark.parametrize("order", ORDERS)
def test_on_postgresql_cleanup_and_blame_fail_only_the_culprits(
    round_two_postgresql_project: GeneratedProject, server_url: str, order: tuple[str, ...]
) -> None:
    env = {"TEST_DATABASE_URL": server_url}
    run = run_culprits(round_two_postgresql_project, order, culprit_files(), env)

    assert_only_culprits_fail(run, EXPECTED_ERRORS, innocents=INNOCENTS)


def test_a_thread_writing_after_its_test_is_reported_against_that_test(
    round_two_project: GeneratedProject,
) -> None:
    assert_late_write_blames_its_test(round_two_project, {})


def test_on_postgresql_a_thread_writing_after_its_test_is_reported_against_that_test(
    round_two_postgresql_project: GeneratedProject, server_url: str
) -> None:
    assert_late_write_blames_its_test(
        round_two_postgresql_project, {"TEST_DATABASE_URL": server_url}
    )


# -- helpers -----------------------------------------------------------------


def with_culprits(project: GeneratedProject) -> GeneratedProject:
    for name, body in CULPRITS.items():
        project.write(f"{FOLDER}/{name}", dedent(body))
    project.write(f"{FOLDER}/test_empty_database.py", dedent(EMPTY_CHECKS))
    project.write(f"{FOLDER}/test_round_two_late.py", dedent(LATE_WRITER))
    return project


def culprit_files() -> list[str]:
    """The files a culprit run takes: the empty-database checks, the render's own, the culprits."""
    return ["test_empty_database.py", "test_isolation.py", *CULPRITS]


def assert_late_write_blames_its_test(project: GeneratedProject, env: Mapping[str, str]) -> None:
    __tracebackhide__ = True
    run = project.pytest(
        "-p", "no:randomly", f"{FOLDER}/test_round_two_late.py", env={**WIDE, **env}
    )

    assert run.returncode == 1, run.output
    run.assert_outcomes(passed=3, failed=0, error=0)
    assert "pyramid: 1 test(s) left work that wrote after they ended (failed)" in run.output
    assert LATE_FINDING.format(folder=FOLDER) in run.output, run.output


# -- the production guard on a real server (issue #23, point 3) ---------------
# Each spelling below reaches the protected database when the guards are off
# (the control run writes one row per spelling); with them on, each is refused
# and the protected database stays empty. tests/test_guard_targets.py has the
# resolution rules themselves, in-process.

GUARDED = "pyramid_guarded"
"""A role and its database: a URL without a database name reaches it as that user."""
SPELLINGS = """
    import pytest
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    PORT = {port}
    ROLE = "{role}"
    LOCAL = "127.0.0.1"
    SPELLINGS = {{
        "wildcard-host": (f"postgresql+asyncpg://{{ROLE}}@0.0.0.0:{{PORT}}/{{ROLE}}", {{}}, {{}}),
        "ipv4-mapped-host": (
            f"postgresql+asyncpg://{{ROLE}}@[::ffff:127.0.0.1]:{{PORT}}/{{ROLE}}", {{}}, {{}}
        ),
        "no-database-name": (f"postgresql+asyncpg://{{ROLE}}@{{LOCAL}}:{{PORT}}", {{}}, {{}}),
        "pg-variables": (
            "postgresql+asyncpg://", {{"PGHOST": LOCAL, "PGPORT": str(PORT), "PGUSER": ROLE}}, {{}}
        ),
        "pgdatabase": (
            f"postgresql+asyncpg://{{ROLE}}@{{LOCAL}}:{{PORT}}", {{"PGDATABASE": ROLE}}, {{}}
        ),
        "second-of-two-hosts": (
            f"postgresql+asyncpg://{{ROLE}}@/{{ROLE}}?host={{LOCAL}}:9&host={{LOCAL}}:{{PORT}}",
            {{}},
            {{}},
        ),
        "dsn-in-connect-args": (
            "postgresql+asyncpg://",
            {{}},
            {{"dsn": f"postgresql://{{ROLE}}@{{LOCAL}}:{{PORT}}/{{ROLE}}"}},
        ),
    }}


    @pytest.mark.parametrize("spelling", list(SPELLINGS))
    async def test_writes_to_the_protected_database(spelling, monkeypatch):
        url, environ, connect_args = SPELLINGS[spelling]
        for name in ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE"):
            monkeypatch.delenv(name, raising=False)
        for name, value in environ.items():
            monkeypatch.setenv(name, value)
        engine = create_async_engine(url, poolclass=NullPool, connect_args=connect_args)
        try:
            async with engine.begin() as connection:
                statement = text("INSERT INTO ledger (spelling) VALUES (:spelling)")
                await connection.execute(statement, {{"spelling": spelling}})
        finally:
            await engine.dispose()
    """
SPELLING_COUNT = 7
GUARDED_SQL = """
import asyncio, os, sys
import asyncpg

async def main():
    url, (action, role) = os.environ["TEST_DATABASE_URL"], sys.argv[1:]
    if action in ("create", "drop"):
        admin = await asyncpg.connect(url)
        await admin.execute(f'DROP DATABASE IF EXISTS "{role}" WITH (FORCE)')
        await admin.execute(f'DROP ROLE IF EXISTS "{role}"')
        if action == "create":
            await admin.execute(f'CREATE ROLE "{role}" LOGIN')
            await admin.execute(f'CREATE DATABASE "{role}" OWNER "{role}"')
        await admin.close()
        if action == "drop":
            return
    own = await asyncpg.connect(url, user=role, database=role)
    if action == "create":
        await own.execute("CREATE TABLE ledger (spelling text)")
    print(await own.fetchval("SELECT count(*) FROM ledger"))  # before "empty" empties it
    if action == "empty":
        await own.execute("DELETE FROM ledger")
    await own.close()

asyncio.run(main())
"""


@pytest.fixture
def guarded_database(
    round_two_postgresql_project: GeneratedProject, server_url: str
) -> Iterator[str]:
    """A database on the test server that the run's DATABASE_URL names: the protected one."""
    guarded_sql(round_two_postgresql_project, server_url, "create")
    port = make_url(server_url).port
    round_two_postgresql_project.write(
        "tests/integration/test_guarded_spellings.py",
        dedent(SPELLINGS).format(port=port, role=GUARDED),
    )
    yield f"postgresql+asyncpg://{GUARDED}@127.0.0.1:{port}/{GUARDED}"
    (round_two_postgresql_project.root / "tests/integration/test_guarded_spellings.py").unlink()
    guarded_sql(round_two_postgresql_project, server_url, "drop")


def test_no_spelling_of_the_protected_database_gets_a_row_into_it(
    round_two_postgresql_project: GeneratedProject, server_url: str, guarded_database: str
) -> None:
    project = round_two_postgresql_project
    env = {"TEST_DATABASE_URL": server_url, "DATABASE_URL": guarded_database, **WIDE}
    path = "tests/integration/test_guarded_spellings.py"

    control = project.pytest("-p", "no:randomly", path, "-o", "pyramid_guards=false", env=env)
    reached = guarded_sql(project, server_url, "empty")
    guarded = project.pytest("-p", "no:randomly", "-n", "2", path, env=env)

    control.assert_outcomes(passed=SPELLING_COUNT)
    assert reached == SPELLING_COUNT, "every spelling reaches the protected database unguarded"
    guarded.assert_outcomes(failed=SPELLING_COUNT, passed=0)
    refusals = re.findall(
        r"^FAILED \S+ - \S+: A test tried to connect to (\S+), the database of",
        guarded.output,
        re.MULTILINE,
    )
    assert len(refusals) == SPELLING_COUNT, guarded.output
    assert guarded_sql(project, server_url, "count") == 0


def guarded_sql(project: GeneratedProject, server_url: str, action: str) -> int:
    """Run ``action`` on the guarded database as its owner; the rows of its ledger."""
    result = project.run(
        project.bin("python"), "-c", GUARDED_SQL, action, GUARDED,
        env={"TEST_DATABASE_URL": server_url}, check=True,
    )  # fmt: skip
    return int(result.stdout.strip() or 0)
