"""Tests written the way the testing guide shows pass when dropped into a rendered project."""

from __future__ import annotations

import pytest

from harness.project import GeneratedProject

pytestmark = pytest.mark.render

GUIDE_STYLE_TESTS = """
import pytest
from sqlalchemy import func, select

from music_library.domain import Artist, Track
from music_library.infrastructure.persistence import Base, get_unit_of_work
from tests.fixtures import make_mock_uow, make_playlist, make_track


@pytest.mark.asyncio
async def test_track_persistence(db_session, test_data_tracker):
    uow = get_unit_of_work(db_session)
    track = Track(title="TEST_Song", artists=[Artist(name="TEST_Artist")])
    saved = await uow.get_track_repository().save_track(track)
    test_data_tracker.add_track(saved.id)
    found = await uow.get_track_repository().get_by_id(saved.id)
    assert found.title == "TEST_Song"


@pytest.mark.asyncio
async def test_commit_inside_the_test(db_session):
    uow = get_unit_of_work(db_session)
    track = make_track(title="Test", artist="TestArtist")
    saved = await uow.get_track_repository().save_track(track)
    playlist = make_playlist(name="Test Playlist", tracks=[saved])
    await uow.get_playlist_repository().save_playlist(playlist)
    await uow.commit()


@pytest.mark.parametrize("attempt", range(3))
@pytest.mark.asyncio
async def test_tables_are_empty(db_session, attempt):
    for table in Base.metadata.sorted_tables:
        assert await db_session.scalar(select(func.count()).select_from(table)) == 0


@pytest.mark.asyncio
async def test_use_case_with_mock_uow():
    uow = make_mock_uow()
    async with uow:
        await uow.get_track_repository().save_track(make_track(title="Test", artist="TestArtist"))
        await uow.commit()
    uow.commit.assert_awaited_once()
    uow.get_track_repository().save_track.assert_awaited_once()
"""


def test_guide_style_tests_pass_in_any_order_and_leave_nothing_behind(
    scratch_project: GeneratedProject,
) -> None:
    scratch_project.write(
        "tests/integration/repositories/test_guide_examples.py", GUIDE_STYLE_TESTS
    )

    run = scratch_project.pytest(
        "tests/integration/repositories/test_guide_examples.py", "--randomly-seed=11"
    )

    run.assert_outcomes(passed=6, failed=0, error=0)
