"""The fast SQLite path is for the suite's own connection only, and the suite passes without it.

``pyramid_sqlite_inline`` (default true) runs the test connection's SQLite calls
on the event loop's thread; the application's engine keeps aiosqlite's thread.
Every other template test runs the default; the whole suite runs here once more
on aiosqlite's thread, so neither mode can rot.
"""

from __future__ import annotations

import re

import pytest

from harness.project import GeneratedProject

pytestmark = pytest.mark.render

INLINE_OFF = ("-o", "pyramid_sqlite_inline=false")

DRIVER_PROBE = '''\
"""Written by the template's tests: which driver connection each engine hands out."""

from sqlalchemy.ext.asyncio import AsyncConnection

from music_library.infrastructure.persistence import get_session


async def test_print_the_driver_connections(db_connection: AsyncConnection) -> None:
    test_side = await db_connection.get_raw_connection()
    print(f"test connection: {type(test_side.driver_connection).__qualname__}")
    async with get_session() as session:
        application = await (await session.connection()).get_raw_connection()
        print(f"application connection: {type(application.driver_connection).__qualname__}")
'''


def test_whole_suite_passes_on_aiosqlites_thread_too(default_project: GeneratedProject) -> None:
    run = default_project.pytest("-m", "", *INLINE_OFF)

    assert run.returncode == 0, run.output
    assert run.outcomes["passed"] >= 80
    assert "failed" not in run.outcomes


@pytest.mark.parametrize(
    ("arguments", "test_driver"),
    [
        pytest.param((), "InlineConnection", id="default-inline"),
        pytest.param(INLINE_OFF, "Connection", id="inline-off"),
    ],
)
def test_only_the_suites_connection_skips_aiosqlites_thread(
    scratch_project: GeneratedProject, arguments: tuple[str, ...], test_driver: str
) -> None:
    scratch_project.write("tests/integration/test_driver_probe.py", DRIVER_PROBE)

    run = scratch_project.pytest(
        "-s", "-p", "no:randomly", *arguments, "tests/integration/test_driver_probe.py"
    )

    assert run.returncode == 0, run.output
    assert re.search(rf"test connection: {test_driver}$", run.output, re.MULTILINE), run.output
    # The application's engine is production code: aiosqlite's own connection, always.
    assert re.search(r"application connection: Connection$", run.output, re.MULTILINE), run.output
