"""Who wrote the rows (issue #23, point 5): the running test, a wider fixture, or a test that ended.

``template/tests/plugins/write_sources.py`` is plain Python; these tests drive it
with stand-in items and real threads, in-process.
"""

from __future__ import annotations

import threading
from types import ModuleType
from typing import Any

import pytest

from harness.fakes import FakeItem
from harness.plugin_modules import load_plugin


@pytest.fixture
def sources() -> Any:
    module: ModuleType = load_plugin("write_sources")
    return module.WriteSources()


@pytest.fixture(scope="module")
def source() -> Any:
    return load_plugin("write_sources").Source


def test_a_write_on_the_tests_own_thread_is_the_tests(sources: Any, source: Any) -> None:
    sources.test_started(FakeItem("a"))
    sources.note()

    assert sources.take() == {source("test", "a")}


def test_a_thread_left_running_writes_for_the_test_that_started_it(
    sources: Any, source: Any
) -> None:
    go, done = threading.Event(), threading.Event()

    def late_writer() -> None:
        go.wait(5)
        sources.note()
        done.set()

    sources.test_started(FakeItem("starter"))
    threading.Thread(target=late_writer).start()
    sources.test_ended(FakeItem("starter"))
    sources.test_started(FakeItem("innocent"))
    go.set()
    done.wait(5)

    assert sources.take() == {source("late", "starter")}


def test_a_write_between_tests_is_after_the_last_one_ended(sources: Any, source: Any) -> None:
    sources.test_started(FakeItem("first"))
    sources.test_ended(FakeItem("first"))
    sources.note()

    assert sources.take() == {source("between", "first")}


def test_a_write_while_a_wider_fixture_is_set_up_is_the_fixtures(sources: Any, source: Any) -> None:
    sources.test_started(FakeItem("user"))
    sources.fixtures.append("shared_rows")
    sources.note()

    assert sources.take() == {source("fixture", "shared_rows")}


def test_the_checks_own_statements_are_nobodys(sources: Any) -> None:
    sources.test_started(FakeItem("a"))
    with sources.mute():
        sources.note()

    assert sources.take() == set()
