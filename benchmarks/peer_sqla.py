"""The pytest-sqla side of the comparison: the peer async plugin, on the template's own code.

The tests call the rendered project's repositories exactly as the template's
benchmark tests do, on ``sqla_async_session``, configured as pytest-sqla's
quick start shows (SQLite file, aiosqlite, function-scoped loops).
"""

from __future__ import annotations

from string import Template

REQUIREMENTS = ("pytest-sqla[asyncio]>=0.0.2,<0.1", "pytest>=8.4,<10", "pytest-asyncio>=1.2,<2")

# Key, fixture requested by the test, and body.
STRATEGIES: dict[str, tuple[str, str]] = {
    "sqla_floor": ("", "await asyncio.sleep(0)"),
    "sqla_session_idle": ("sqla_async_session: AsyncSession", "assert sqla_async_session"),
    "sqla_guide": (
        "sqla_async_session: AsyncSession",
        "await save_and_find_track(sqla_async_session)",
    ),
    "sqla_work": (
        "sqla_async_session: AsyncSession",
        "await save_and_read_playlist(sqla_async_session)",
    ),
}

PYTEST_INI = Template("""\
[pytest]
sqla_url = sqlite:///$database
sqla_async_url = sqlite+aiosqlite:///$database
sqla_metadata = $package.infrastructure.persistence:Base
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
pythonpath = $project_root
""")

CONFTEST = """\
import pytest


@pytest.fixture(scope="session")
def sqla_session_options():
    return {"expire_on_commit": False}  # as the template's db_session
"""

TEST = Template("""

async def test_${key}_$number($fixture) -> None:
    $body
""")


def test_module(header: str, tests_per_strategy: int) -> str:
    """Every strategy ``tests_per_strategy`` times, interleaved, after ``header``."""
    tests = [
        TEST.substitute(key=key, number=f"{number:05d}", fixture=fixture, body=body)
        for number in range(tests_per_strategy)
        for key, (fixture, body) in STRATEGIES.items()
    ]
    return header + "".join(tests)
