"""What relies on other projects' private members turns itself off when a release moves them.

The SQLite fast path (``sqlite_inline``: five private members of aiosqlite,
SQLAlchemy's ``await_only``) and the hang guard's teardown backstop
(pytest-timeout's ``Settings``). Each change is simulated in this process by
taking the member away: the run goes on without the feature and says so in
one line at its end (``fallbacks``).
"""

from __future__ import annotations

import asyncio
import importlib
import sys
from collections import namedtuple
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import aiosqlite
import pytest
import sqlalchemy.util
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from harness.plugin_modules import PACKAGE, load_plugin

FAST_PATH_OFF = "pyramid: the fast SQLite path (pyramid_sqlite_inline) is off: "


class Config:
    """What ``fallbacks.turn_off`` needs of a ``pytest.Config``."""

    def __init__(self) -> None:
        self.stash = pytest.Stash()


def notes(config: Config) -> list[str]:
    return config.stash.get(load_plugin("fallbacks").notes_key, [])


@pytest.fixture
def engine(tmp_path: Path) -> AsyncEngine:
    return create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'test.db'}")


async def driver_connection_of(engine: AsyncEngine) -> Any:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
        raw = await connection.get_raw_connection()
        found = raw.driver_connection
    await engine.dispose()
    return found


def not_to_be_called(engine: AsyncEngine) -> AsyncEngine:
    raise AssertionError("the fast path was installed")


def test_the_provider_imports_the_fast_path_only_when_an_engine_needs_it() -> None:
    sys.modules.pop(f"{PACKAGE}.sqlite_inline", None)

    importlib.reload(load_plugin("sqlite_provider"))

    assert f"{PACKAGE}.sqlite_inline" not in sys.modules


def test_with_what_it_relies_on_the_fast_path_runs_the_suites_connection_inline(
    engine: AsyncEngine,
) -> None:
    config = Config()

    load_plugin("sqlite_provider").run_inline_if_supported(engine, config)

    driver = asyncio.run(driver_connection_of(engine))
    assert type(driver).__name__ == "InlineConnection"
    assert notes(config) == []


@pytest.mark.parametrize("member", ["_execute", "_connect"])
def test_an_aiosqlite_without_a_method_it_relies_on_turns_it_off_in_one_line(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch, member: str
) -> None:
    monkeypatch.delattr(aiosqlite.Connection, member)
    monkeypatch.setattr(load_plugin("sqlite_inline"), "run_sqlite_inline", not_to_be_called)
    config = Config()

    provider = load_plugin("sqlite_provider")
    provider.run_inline_if_supported(engine, config)
    provider.run_inline_if_supported(engine, config)  # a second engine: still one line

    assert notes(config) == [
        f"{FAST_PATH_OFF}this aiosqlite lacks aiosqlite.Connection.{member}; it runs on its thread"
    ]


def test_an_aiosqlite_whose_connection_no_longer_sets_its_queue_turns_it_off(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = aiosqlite.Connection.__init__

    def without_queue(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        del self._tx

    monkeypatch.setattr(aiosqlite.Connection, "__init__", without_queue)
    monkeypatch.setattr(load_plugin("sqlite_inline"), "run_sqlite_inline", not_to_be_called)
    config = Config()

    load_plugin("sqlite_provider").run_inline_if_supported(engine, config)

    assert notes(config) == [
        f"{FAST_PATH_OFF}this aiosqlite lacks aiosqlite.Connection()._tx; it runs on its thread"
    ]


def test_a_sqlalchemy_without_await_only_turns_it_off_and_the_connection_still_works(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delattr(sqlalchemy.util, "await_only")
    monkeypatch.delitem(sys.modules, f"{PACKAGE}.sqlite_inline", raising=False)
    monkeypatch.delattr(sys.modules[PACKAGE], "sqlite_inline", raising=False)
    config = Config()

    load_plugin("sqlite_provider").run_inline_if_supported(engine, config)

    [line] = notes(config)
    assert line.startswith(f"{FAST_PATH_OFF}cannot import name 'await_only'")
    assert line.endswith("; the suite runs on aiosqlite's thread")
    assert asyncio.run(driver_connection_of(engine)).__class__ is aiosqlite.Connection


def fake_pytest_timeout(monkeypatch: pytest.MonkeyPatch, **attributes: object) -> None:
    module = ModuleType("pytest_timeout")
    module.__dict__.update(attributes)
    monkeypatch.setitem(sys.modules, "pytest_timeout", module)


def test_the_backstop_is_pytest_timeouts_own_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = namedtuple("Settings", load_plugin("hangs").SETTINGS_FIELDS)
    fake_pytest_timeout(monkeypatch, Settings=settings)
    config = Config()

    backstop = load_plugin("hangs").backstop_settings(config, 5.0)

    assert isinstance(backstop, settings)
    assert (backstop.timeout, backstop.func_only) == (5.0, False)
    assert notes(config) == []


@pytest.mark.parametrize(
    ("attributes", "reason"),
    [
        ({}, "pytest_timeout.Settings is gone (module 'pytest_timeout' has no attribute "),
        (
            {"Settings": namedtuple("Settings", ["timeout", "method", "func_only"])},
            "pytest_timeout.Settings has fields ('timeout', 'method', 'func_only')",
        ),
    ],
    ids=["gone", "fields-changed"],
)
def test_a_pytest_timeout_whose_settings_moved_turns_the_backstop_off_in_one_line(
    monkeypatch: pytest.MonkeyPatch, attributes: dict[str, object], reason: str
) -> None:
    fake_pytest_timeout(monkeypatch, **attributes)
    config = Config()

    assert load_plugin("hangs").backstop_settings(config, 5.0) is None
    assert load_plugin("hangs").backstop_settings(config, 5.0) is None

    [line] = notes(config)
    assert line.startswith(f"pyramid: {load_plugin('hangs').BACKSTOP} is off: {reason}")


def test_an_xdist_workers_lines_reach_the_controller_once() -> None:
    fallbacks = load_plugin("fallbacks")
    controller = Config()
    fallbacks.turn_off(controller, "a feature", "a reason")
    line = "pyramid: a feature is off: a reason"
    node = SimpleNamespace(config=controller, workeroutput={fallbacks.WORKER_OUTPUT_KEY: [line]})

    fallbacks.pytest_testnodedown(node, None)
    fallbacks.pytest_testnodedown(node, None)

    assert notes(controller) == [line]


def test_the_end_of_the_run_says_what_was_turned_off_in_one_line(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        f"""
        import sys

        def test_finds_a_release_moved_something(request):
            turn_off = sys.modules["{PACKAGE}.fallbacks"].turn_off
            turn_off(request.config, "the fast path", "a release moved it")
            turn_off(request.config, "the fast path", "a release moved it")
        """
    )

    result = pytester.runpytest_inprocess(plugins=[load_plugin("fallbacks")])

    result.assert_outcomes(passed=1)
    assert result.stdout.lines.count("pyramid: the fast path is off: a release moved it") == 1
