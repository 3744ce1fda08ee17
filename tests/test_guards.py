"""Each guardrail of the generated suite fires for the right reason, and the fix passes.

Every scenario drops a test that breaks one rule into a rendered project, runs
it with the project's own pytest, and checks the documented message; then runs
the corrected test and checks that it passes. These carry the marker ``render``;
the default run drops three offenders into one project and runs it once
(``test_three_guards_fire_in_one_run_of_a_rendered_project``), and checks the
budget and shape messages in-process (``test_pyramid_plugins.py``).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from textwrap import dedent

import pytest

from harness.project import GeneratedProject
from harness.suite_run import SuiteRun

UNIT = "tests/unit/domain/test_scenario.py"
# Strict shape checks without strict budgets, which a loaded machine can trip.
NO_BUDGETS = ("-o", "pyramid_unit_budget_ms=60000", "-o", "pyramid_integration_budget_ms=60000")
INTEGRATION = "tests/integration/repositories/test_scenario.py"


def write_test(project: GeneratedProject, path: str, body: str) -> str:
    project.write(path, dedent(body))
    return path


# -- the default run's three, in one run ---------------------------------------


def test_three_guards_fire_in_one_run_of_a_rendered_project(
    scratch_project: GeneratedProject,
) -> None:
    """A second connection inside db_session, a unit test asking for it, rows left behind."""
    lock = write_test(scratch_project, INTEGRATION.replace(".py", "_lock.py"), LOCK_OFFENDER)
    unit = write_test(scratch_project, UNIT.replace(".py", "_unit.py"), UNIT_OFFENDER)
    pollution = INTEGRATION.replace(".py", "_pollution.py")
    write_test(scratch_project, pollution, POLLUTING_TEST.format(tracking="pass"))

    run = scratch_project.pytest(lock, unit, pollution, "-p", "no:randomly")

    run.assert_outcomes(passed=1, failed=1, error=2)
    assert (
        "DatabaseAccessError: A second database connection was opened while db_session"
        in run.output
    )
    assert (
        "test_scenario_unit.py::test_wants_database requests db_session, but unit tests are "
        "isolated from the database. Fix: use make_mock_uow() from tests.fixtures, or move "
        "the test to tests/integration/"
    ) in run.output
    assert (
        "- table 'tracks': 1 row(s); tracked nothing for table 'tracks': "
        "add test_data_tracker.add_track(id)"
    ) in run.output


# -- lock prevention ---------------------------------------------------------

LOCK_OFFENDER = """
from sqlalchemy import text
from music_library.infrastructure.persistence import get_session

async def test_opens_second_session(db_session):
    async with get_session() as session:
        await session.execute(text("SELECT 1"))
"""
UNIT_OFFENDER = """
async def test_wants_database(db_session):
    pass
"""


@pytest.mark.render
def test_get_session_inside_db_session_fails_at_once_naming_db_session(
    scratch_project: GeneratedProject,
) -> None:
    path = write_test(scratch_project, INTEGRATION, LOCK_OFFENDER)

    run = scratch_project.pytest(path)

    run.assert_outcomes(failed=1)
    assert (
        "DatabaseAccessError: A second database connection was opened while db_session"
        in run.output
    )
    assert (
        "Fix: hand db_session to the code under test (get_unit_of_work(db_session))" in run.output
    )
    assert "database is locked" not in run.output.split("DatabaseAccessError")[0]


@pytest.mark.render
def test_any_other_engine_inside_db_session_is_refused(scratch_project: GeneratedProject) -> None:
    path = write_test(
        scratch_project,
        INTEGRATION,
        """
        from sqlalchemy import text
        from sqlalchemy.ext.asyncio import create_async_engine

        async def test_other_database(db_session, tmp_path):
            engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path}/other.db")
            try:
                async with engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))
            finally:
                await engine.dispose()
        """,
    )

    run = scratch_project.pytest(path)

    run.assert_outcomes(failed=1)
    assert "A second database connection was opened while db_session" in run.output


@pytest.mark.render
def test_passing_db_session_down_is_the_fix_for_the_lock_guard(
    scratch_project: GeneratedProject,
) -> None:
    path = write_test(
        scratch_project,
        INTEGRATION,
        """
        from music_library.infrastructure.persistence import get_unit_of_work
        from tests.fixtures import make_track

        async def test_uses_db_session(db_session):
            uow = get_unit_of_work(db_session)
            saved = await uow.get_track_repository().save_track(make_track())
            await uow.commit()
            assert saved.id is not None
        """,
    )

    scratch_project.pytest(path).assert_outcomes(passed=1, failed=0, error=0)


# -- unit purity -------------------------------------------------------------


@pytest.mark.render
def test_unit_test_requesting_db_session_is_refused_with_where_it_belongs(
    scratch_project: GeneratedProject,
) -> None:
    path = write_test(scratch_project, UNIT, UNIT_OFFENDER)

    run = scratch_project.pytest(path)

    run.assert_outcomes(error=1)
    assert (
        "test_scenario.py::test_wants_database requests db_session, but unit tests are "
        "isolated from the database. Fix: use make_mock_uow() from tests.fixtures, or move "
        "the test to tests/integration/"
    ) in run.output


@pytest.mark.render
def test_unit_test_opening_a_connection_is_refused(scratch_project: GeneratedProject) -> None:
    path = write_test(
        scratch_project,
        UNIT,
        """
        from sqlalchemy import text
        from music_library.infrastructure.persistence import get_session

        async def test_sneaks_into_database():
            async with get_session() as session:
                await session.execute(text("SELECT 1"))

        async def test_mocked_instead():
            from tests.fixtures import make_mock_uow
            uow = make_mock_uow()
            async with uow:
                await uow.commit()
            uow.commit.assert_awaited_once()
        """,
    )

    run = scratch_project.pytest(path)

    run.assert_outcomes(passed=1, failed=1)
    assert (
        "Unit tests are isolated from the database, but this test opened a connection" in run.output
    )


# -- production database -----------------------------------------------------


@pytest.mark.render
def test_environment_database_url_is_never_touched(
    scratch_project: GeneratedProject, tmp_path: Path
) -> None:
    production = tmp_path / "production.db"
    production_url = f"sqlite+aiosqlite:///{production}"
    path = write_test(
        scratch_project,
        INTEGRATION,
        f"""
        import os
        from sqlalchemy import text
        from music_library.infrastructure.persistence import create_database_engine

        def test_environment_points_at_test_database():
            assert os.environ["DATABASE_URL"] != {production_url!r}

        async def test_hard_coded_production_url():
            engine = create_database_engine({production_url!r})
            try:
                async with engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))
            finally:
                await engine.dispose()
        """,
    )

    run = scratch_project.pytest(path, env={"DATABASE_URL": production_url})

    run.assert_outcomes(passed=1, failed=1)
    assert (
        f"A test tried to connect to sqlite:{production}, the database of your environment"
        in run.output
    )
    assert not production.exists()


# -- pollution ---------------------------------------------------------------


POLLUTING_TEST = """
from music_library.infrastructure.persistence import get_session, get_unit_of_work
from tests.fixtures import make_track

async def test_commits_for_real(test_data_tracker):
    async with get_session() as session:
        uow = get_unit_of_work(session)
        saved = await uow.get_track_repository().save_track(make_track())
        await uow.commit()
    {tracking}
"""


@pytest.mark.render
def test_rows_left_behind_fail_the_test_naming_table_and_count(
    scratch_project: GeneratedProject,
) -> None:
    path = write_test(scratch_project, INTEGRATION, POLLUTING_TEST.format(tracking="pass"))

    run = scratch_project.pytest(path)

    run.assert_outcomes(passed=1, error=1)
    assert "Test pollution: rows were left behind" in run.output
    assert (
        "- table 'tracks': 1 row(s); tracked nothing for table 'tracks': "
        "add test_data_tracker.add_track(id)"
    ) in run.output


@pytest.mark.render
def test_tracking_every_committed_row_is_the_fix_for_pollution(
    scratch_project: GeneratedProject,
) -> None:
    tracking = (
        "test_data_tracker.add_track(saved.id)\n"
        "    test_data_tracker.add_artist(saved.artists[0].id)"
    )
    path = write_test(scratch_project, INTEGRATION, POLLUTING_TEST.format(tracking=tracking))

    # Twice in one run: the second would see the first one's rows if cleanup failed.
    run = scratch_project.pytest(path, path)

    run.assert_outcomes(passed=1, error=0)


# -- N+1 ---------------------------------------------------------------------


N_PLUS_ONE = """
from music_library.infrastructure.persistence import get_unit_of_work
from tests.fixtures import make_playlist, make_tracks

async def test_loading(db_session, assert_max_queries):
    uow = get_unit_of_work(db_session)
    tracks = [await uow.get_track_repository().save_track(t) for t in make_tracks({count})]
    playlist = await uow.get_playlist_repository().save_playlist(make_playlist(tracks=tracks))
    db_session.expunge_all()
    with assert_max_queries(5):
        {loading}
"""


@pytest.mark.render
def test_one_query_per_track_fails_listing_the_statements(
    scratch_project: GeneratedProject,
) -> None:
    loading = (
        "for track in tracks:\n            await uow.get_track_repository().get_by_id(track.id)"
    )
    path = write_test(scratch_project, INTEGRATION, N_PLUS_ONE.format(count=6, loading=loading))

    run = scratch_project.pytest(path)

    run.assert_outcomes(failed=1)
    assert "Expected at most 5 queries, 6 were executed:" in run.output
    assert "1. SELECT tracks.id" in run.output
    assert "load the relationship with selectinload()" in run.output


@pytest.mark.render
def test_eager_loading_stays_within_budget_whatever_the_track_count(
    scratch_project: GeneratedProject,
) -> None:
    loading = "await uow.get_playlist_repository().get_by_id(playlist.id)"
    for count in (2, 40):
        path = write_test(
            scratch_project, INTEGRATION, N_PLUS_ONE.format(count=count, loading=loading)
        )
        scratch_project.pytest(path).assert_outcomes(passed=1, failed=0)


@pytest.mark.render
def test_assert_max_queries_misused_with_a_string_says_how_to_call_it(
    scratch_project: GeneratedProject,
) -> None:
    path = write_test(
        scratch_project,
        INTEGRATION,
        """
        def test_misuse(assert_max_queries):
            with assert_max_queries("5"):
                pass
        """,
    )

    run = scratch_project.pytest(path)

    run.assert_outcomes(failed=1)
    assert "assert_max_queries() takes a whole number of queries >= 0, got '5'" in run.output


# -- hangs -------------------------------------------------------------------


@pytest.mark.render
def test_hanging_async_test_fails_with_traceback_at_the_await(
    scratch_project: GeneratedProject,
) -> None:
    path = write_test(
        scratch_project,
        UNIT,
        """
        import asyncio

        async def test_waits_forever():
            never_set = asyncio.Event()
            await never_set.wait()  # the stuck await
        """,
    )

    run = scratch_project.pytest(path, "-o", "pyramid_unit_timeout=1")

    run.assert_outcomes(failed=1)
    assert (
        "Hang guard: this unit test was still waiting after 1 s (pyramid_unit_timeout)"
        in run.output
    )
    assert "await never_set.wait()  # the stuck await" in run.output


# -- budgets -----------------------------------------------------------------


SLOW_UNIT = """
import time
import pytest

{marker}
def test_sleeps():
    time.sleep(0.25)
"""


@pytest.mark.render
def test_slow_unit_test_is_listed_with_time_budget_and_fix(
    scratch_project: GeneratedProject,
) -> None:
    path = write_test(scratch_project, UNIT, SLOW_UNIT.format(marker=""))

    run = scratch_project.pytest(path)

    run.assert_outcomes(passed=1)
    assert "pyramid: 1 test(s) over their tier budget (listed)" in run.output
    assert "test_scenario.py::test_sleeps: unit test took" in run.output
    assert (
        "budget 100 ms. Fix: make it faster (mock what is slow, never wait), "
        "mark it @pytest.mark.slow" in run.output
    )


@pytest.mark.render
def test_strict_mode_turns_an_over_budget_test_into_a_failure(
    scratch_project: GeneratedProject,
) -> None:
    path = write_test(scratch_project, UNIT, SLOW_UNIT.format(marker=""))

    run = scratch_project.pytest(path, "--pyramid-strict")

    assert run.returncode == 1
    run.assert_outcomes(passed=1, error=1)
    assert "Over budget (--pyramid-strict)" in run.output


@pytest.mark.render
def test_marking_it_slow_or_raising_the_budget_clears_the_finding(
    scratch_project: GeneratedProject,
) -> None:
    marked = write_test(scratch_project, UNIT, SLOW_UNIT.format(marker="@pytest.mark.slow"))
    run = scratch_project.pytest(marked, "-m", "", "--pyramid-strict")
    run.assert_outcomes(passed=1, error=0)
    assert "over their tier budget" not in run.output

    unmarked = write_test(scratch_project, UNIT, SLOW_UNIT.format(marker=""))
    run = scratch_project.pytest(unmarked, "--pyramid-strict", "-o", "pyramid_unit_budget_ms=2000")
    run.assert_outcomes(passed=1, error=0)


@pytest.mark.render
def test_bad_budget_setting_is_a_usage_error_naming_key_and_example(
    scratch_project: GeneratedProject,
) -> None:
    run = scratch_project.pytest("-o", "pyramid_unit_budget_ms=fast")

    assert run.returncode == 4
    assert (
        "pyramid_unit_budget_ms = 'fast' in [tool.pytest.ini_options]: expected a positive "
        "number of milliseconds, e.g. pyramid_unit_budget_ms = '100'"
    ) in run.output


# -- pyramid report ----------------------------------------------------------


def test_full_run_reports_each_tier_against_the_target_and_writes_json(
    default_run: SuiteRun,
) -> None:
    run = default_run.run

    assert run.returncode == 0, run.output
    assert "pyramid: shape of this run" in run.output
    figures = default_run.pyramid
    assert figures["partial"] is False
    assert figures["within_tolerance"] is True
    tiers = figures["tiers"]
    assert isinstance(tiers, dict)
    assert sum(tier["count"] for tier in tiers.values()) == run.outcomes["passed"]
    assert tiers["unit"]["target"] == 60
    for name in ("unit", "integration", "e2e"):
        assert f"{name:<12} {tiers[name]['count']:>5}" in run.output


@pytest.mark.render
def test_narrowed_runs_are_reported_as_partial_not_judged(
    default_project: GeneratedProject,
) -> None:
    # -m unit: see test_generated_suite's unit-only run.
    for args, reason in [
        (["-k", "playlist", "tests/unit"], "partial run (-k 'playlist')"),
        (["tests/unit/domain"], "partial run (tests/unit/domain)"),
    ]:
        run = default_project.pytest(
            *args, "--pyramid-strict", *NO_BUDGETS, "-o", "pyramid_target=98/1/1"
        )
        assert run.returncode == 0, run.output
        assert f"{reason}: shape not judged" in run.output


@pytest.mark.render
def test_strict_full_run_out_of_tolerance_fails(scratch_project: GeneratedProject) -> None:
    """A whole suite of unit tests alone is 100/0/0: far out of the default 60/35/5."""
    for tier in ("integration", "e2e"):
        shutil.rmtree(scratch_project.root / "tests" / tier)

    run = scratch_project.pytest("--pyramid-strict", *NO_BUDGETS)

    assert run.returncode == 1, run.output
    assert "failed" not in run.outcomes, run.output
    assert "OUT OF TOLERANCE" in run.output
    assert "shape is out of tolerance: the run fails (--pyramid-strict)" in run.output


@pytest.mark.render
def test_bad_pyramid_target_is_a_usage_error(default_project: GeneratedProject) -> None:
    run = default_project.pytest("-o", "pyramid_target=60/40")

    assert run.returncode == 4
    assert "pyramid_target = '60/40': expected three percentages" in run.output


# -- switching the guards off (for benchmarks) -------------------------------


@pytest.mark.render
def test_guards_switched_off_let_the_lock_violation_through(
    scratch_project: GeneratedProject,
) -> None:
    path = write_test(
        scratch_project,
        INTEGRATION,
        """
        from sqlalchemy import text
        from music_library.infrastructure.persistence import get_session

        async def test_reads_through_second_session(db_session):
            async with get_session() as session:
                await session.execute(text("SELECT 1"))
        """,
    )

    scratch_project.pytest(path, "-o", "pyramid_guards=false").assert_outcomes(passed=1)
    scratch_project.pytest(path).assert_outcomes(failed=1)


# -- production database: identity, not spelling (issue #13, point 4) --------
# The guard compares the file a URL opens, so neither a symlink to the
# environment's SQLite file nor SQLAlchemy's ``file:...?uri=true`` form reaches it.


@pytest.mark.render
def test_symlink_and_file_uri_to_the_environment_database_are_refused(
    scratch_project: GeneratedProject, tmp_path: Path
) -> None:
    import sqlite3

    production = tmp_path / "production.db"
    with sqlite3.connect(production) as connection:
        connection.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY)")
    connection.close()
    alias = tmp_path / "alias.db"
    alias.symlink_to(production)
    spellings = {
        "symlink": f"sqlite+aiosqlite:///{alias}",
        "file_uri": f"sqlite+aiosqlite:///file:{production}?mode=rw&uri=true",
    }
    path = write_test(
        scratch_project,
        INTEGRATION,
        f"""
        import pytest
        from sqlalchemy import text
        from music_library.infrastructure.persistence import create_database_engine

        @pytest.mark.parametrize("url", {list(spellings.values())!r}, ids={list(spellings)!r})
        async def test_writes_to_production(url):
            engine = create_database_engine(url)
            try:
                async with engine.begin() as connection:
                    await connection.execute(text("CREATE TABLE leaked (id INTEGER)"))
            finally:
                await engine.dispose()
        """,
    )

    run = scratch_project.pytest(path, env={"DATABASE_URL": f"sqlite+aiosqlite:///{production}"})

    run.assert_outcomes(failed=2)
    for target in (alias, production):
        assert (
            f"A test tried to connect to sqlite:{target}, the database of your environment"
            in run.output
        ), run.output
    with sqlite3.connect(production) as connection:
        tables = connection.execute("SELECT name FROM sqlite_master").fetchall()
    connection.close()
    assert tables == [("customers",)]


# -- budgets and hangs on a busy machine (issue #14, points 1-3) --------------
# A budget charges what the test computes or waits, not the time the machine
# kept it off the CPU (tests/test_strict_under_load.py runs it under load). A
# hang failure is reported as a failure even when writing it outlasts the
# pytest-timeout backstop. The port mocks are specced once, not per test.

COMPUTING_AND_SLEEPING = """
import time

def test_computes():
    used = time.thread_time()
    while time.thread_time() - used < 0.15:
        pass

def test_sleeps():
    time.sleep(0.15)
"""
BUDGET_SPLIT = r"test_{name}: unit test took \d+ ms \((\d+) ms computing, (\d+) ms waiting\)"


@pytest.mark.render
def test_unit_test_that_computes_or_sleeps_is_over_budget_with_the_time_split(
    scratch_project: GeneratedProject,
) -> None:
    path = write_test(scratch_project, UNIT, COMPUTING_AND_SLEEPING)

    run = scratch_project.pytest(path, "--pyramid-strict")

    run.assert_outcomes(passed=2, error=2)
    assert "pyramid: 2 test(s) over their tier budget (failed)" in run.output
    computing, waiting = time_split(run.output, "computes")
    assert computing > waiting
    computing, waiting = time_split(run.output, "sleeps")
    assert waiting > computing


def time_split(output: str, name: str) -> tuple[int, int]:
    """Milliseconds computing and waiting, from the budget finding of ``test_<name>``."""
    found = re.search(BUDGET_SPLIT.format(name=name), output)
    assert found, output
    return int(found[1]), int(found[2])


SLOW_FAILURE_REPORT = """
import time
import pytest

@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if call.when == "call" and report.failed:
        time.sleep(5.5)  # writing the failure takes this long on a busy machine
    return report
"""


@pytest.mark.render
def test_hang_failure_is_reported_even_when_writing_it_outlasts_the_backstop(
    scratch_project: GeneratedProject,
) -> None:
    scratch_project.write("tests/unit/domain/conftest.py", dedent(SLOW_FAILURE_REPORT))
    path = write_test(
        scratch_project,
        UNIT,
        """
        import asyncio

        async def test_waits_forever():
            await asyncio.Event().wait()
        """,
    )

    # The backstop would fire 5 s after the 0.5 s timeout, inside the slow report.
    run = scratch_project.pytest(path, "-o", "pyramid_unit_timeout=0.5")

    assert "INTERNALERROR" not in run.output
    run.assert_outcomes(failed=1, error=0)
    assert "Hang guard: this unit test was still waiting after 0.5 s" in run.output


@pytest.mark.render
def test_port_mocks_refuse_unknown_methods_and_wrong_arguments(
    scratch_project: GeneratedProject,
) -> None:
    path = write_test(
        scratch_project,
        UNIT,
        """
        import pytest
        from tests.fixtures import make_mock_uow, make_track

        async def test_mocks_follow_the_ports():
            first, second = make_mock_uow(), make_mock_uow()
            tracks = first.get_track_repository()
            with pytest.raises(AttributeError, match="delete_track"):
                tracks.delete_track
            with pytest.raises(TypeError, match="missing a required argument: 'track_id'"):
                await tracks.get_by_id()
            with pytest.raises(TypeError, match="too many positional arguments"):
                first.get_track_repository("tracks")
            async with first:
                saved = await tracks.save_track(make_track())
                await first.commit()
            assert saved.id == 1
            assert await tracks.get_by_id(saved.id) is None
            first.commit.assert_awaited_once()
            second.commit.assert_not_awaited()
            assert second.get_track_repository() is not tracks
        """,
    )

    scratch_project.pytest(path).assert_outcomes(passed=1, failed=0)
