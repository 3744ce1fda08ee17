"""The pieces behind isolation round three, in-process: connection state, late threads, interrupts.

``connection_state`` reads what a connection keeps between transactions (here on
real aiosqlite connections, fast path and thread); ``write_sources`` takes a
thread's exception away from the test running when it fails, if an ended test
left that thread running; ``sqlite_interrupts`` stops a statement on a raw
``sqlite3`` connection the test opened itself. Whole runs of rendered projects
are in test_isolation_round_three.py.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from harness.fakes import FakeItem
from harness.plugin_modules import load_plugin

RUNAWAY = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"


# -- connection_state ----------------------------------------------------------


@pytest.mark.parametrize("inline", [True, False], ids=["fast-path", "aiosqlite-thread"])
def test_the_state_shows_pragmas_driver_settings_and_nothing_else_changed(
    tmp_path: Path, inline: bool
) -> None:
    state = load_plugin("connection_state")
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'state.db'}")
    if inline:
        load_plugin("sqlite_inline").run_sqlite_inline(engine)

    async def before_and_after() -> tuple[dict[str, object], dict[str, object]]:
        try:
            async with engine.connect() as connection:
                before = await state.read_state(connection)
                raw = await connection.get_raw_connection()
                await raw.driver_connection.execute("PRAGMA read_uncommitted = 1")
                raw.driver_connection.isolation_level = "IMMEDIATE"
                raw.driver_connection.text_factory = bytes
                await raw.driver_connection.create_function("lower", 1, str.upper)
                return before, await state.read_state(connection)
        finally:
            await engine.dispose()

    before, after = asyncio.run(before_and_after())

    changed = {name: (before[name], after[name]) for name in before if before[name] != after[name]}
    functions = before["application_functions"]
    assert isinstance(functions, int)
    assert changed == {
        "read_uncommitted": (0, 1),
        "isolation_level": ("", "IMMEDIATE"),
        "text_factory": ("str", "bytes"),
        "application_functions": (functions, functions + 1),
    }


def test_execution_options_set_on_the_connection_are_named_and_put_back(tmp_path: Path) -> None:
    state = load_plugin("connection_state")
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'options.db'}")

    async def change_and_restore() -> tuple[str | None, str | None, dict[str, Any]]:
        try:
            async with engine.connect() as connection:
                opened = dict(state.options_of(connection))
                await connection.execution_options(schema_translate_map={None: "x"}, foo=1)
                changed = state.changed_options(opened, state.options_of(connection))
                state.restore_options(connection, opened)
                after = state.changed_options(opened, state.options_of(connection))
                return changed, after, dict(state.options_of(connection))
        finally:
            await engine.dispose()

    changed, after, options = asyncio.run(change_and_restore())

    assert changed == "execution_options foo, schema_translate_map"
    assert after is None
    assert "schema_translate_map" not in options


def test_attributes_name_classes_and_functions_and_keep_plain_values() -> None:
    state = load_plugin("connection_state")

    class Owner:
        isolation_level = None
        text_factory = str
        row_factory = sqlite3.Row
        readonly = True

    read = state.attributes(Owner(), ("isolation_level", "text_factory", "row_factory", "readonly"))

    assert read == {
        "isolation_level": None,
        "text_factory": "str",
        "row_factory": "Row",
        "readonly": True,
    }


# -- late threads (write_sources) ---------------------------------------------


def run_thread_that_fails(
    name: str, started: threading.Event, go: threading.Event
) -> threading.Thread:
    def fail() -> None:
        started.set()
        go.wait(30)
        raise RuntimeError("refused")

    thread = threading.Thread(target=fail, name=name)
    thread.start()
    return thread


def test_an_ended_tests_thread_failing_is_a_finding_for_it_not_for_the_running_test() -> None:
    write_sources = load_plugin("write_sources")
    sources = write_sources.WriteSources()
    passed_on: list[str] = []
    errors = write_sources.LateThreadErrors(sources)
    previous, threading.excepthook = threading.excepthook, lambda args: passed_on.append("x")
    started, go = threading.Event(), threading.Event()
    try:
        errors.install()
        sources.test_started(FakeItem("t.py::culprit"))
        thread = run_thread_that_fails("late-writer", started, go)
        assert started.wait(30)
        sources.test_ended(FakeItem("t.py::culprit"))
        sources.test_started(FakeItem("t.py::innocent"))
        go.set()
        thread.join(30)
        errors.uninstall()
    finally:
        threading.excepthook = previous

    assert passed_on == []
    [finding] = errors.take()
    assert finding.startswith(
        "Test pollution: a thread that test t.py::culprit started and left running "
        "(late-writer) failed after that test ended, while t.py::innocent ran, which is not "
        "blamed:\nRuntimeError: refused\n"
    )
    assert errors.take() == []


def test_the_running_tests_own_thread_failing_goes_on_to_pytest() -> None:
    write_sources = load_plugin("write_sources")
    sources = write_sources.WriteSources()
    passed_on: list[str] = []
    errors = write_sources.LateThreadErrors(sources)
    previous = threading.excepthook
    threading.excepthook = lambda args: passed_on.append(args.thread.name if args.thread else "")
    started, go = threading.Event(), threading.Event()
    try:
        errors.install()
        sources.test_started(FakeItem("t.py::own"))
        thread = run_thread_that_fails("own-worker", started, go)
        go.set()
        thread.join(30)
        errors.uninstall()
    finally:
        threading.excepthook = previous

    assert passed_on == ["own-worker"]
    assert errors.take() == []


def test_the_final_check_waits_for_threads_the_last_test_left_running() -> None:
    write_sources = load_plugin("write_sources")
    sources = write_sources.WriteSources()
    last = FakeItem("t.py::last")
    wrote = threading.Event()
    go = threading.Event()
    sources.test_started(last)
    thread = threading.Thread(target=lambda: (go.wait(30), wrote.set()), name="writer")
    thread.start()
    threading.Timer(0.1, go.set).start()

    write_sources.join_late_threads(sources, last)

    assert wrote.is_set()
    assert sources.current is None  # from now on, what its threads do is "after it ended"
    assert sources.late_origin(thread).name == "t.py::last"


def test_a_pool_worker_counts_as_late_work_only_while_it_works() -> None:
    write_sources = load_plugin("write_sources")
    go = threading.Event()
    with ThreadPoolExecutor(thread_name_prefix="pool") as pool:
        working = pool.submit(go.wait, 30)
        (worker,) = pool._threads  # the executor keeps no public list of its threads
        assert not write_sources.is_idle_pool_worker(worker)
        go.set()
        working.result(timeout=30)
        assert wait_until(lambda: write_sources.is_idle_pool_worker(worker))
        assert not write_sources.is_idle_pool_worker(threading.current_thread())


def test_the_final_check_does_not_wait_for_an_idle_pool_worker_a_test_started(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``asyncio.to_thread`` in a test leaves such a worker: it used to cost the whole wait."""
    write_sources = load_plugin("write_sources")
    monkeypatch.setattr(write_sources, "LATE_THREAD_WAIT_SECONDS", 3600.0)
    sources = write_sources.WriteSources()
    last = FakeItem("t.py::last")
    sources.test_started(last)
    with ThreadPoolExecutor() as pool:
        pool.submit(int).result(timeout=30)
        joiner = threading.Thread(target=write_sources.join_late_threads, args=(sources, last))
        joiner.start()
        joiner.join(timeout=60)  # an hour if it waited for the idle worker

        assert not joiner.is_alive()


def wait_until(condition: Callable[[], bool]) -> bool:
    for _ in range(600):
        if condition():
            return True
        threading.Event().wait(0.05)
    return False


# -- sqlite_interrupts -----------------------------------------------------------


def test_a_raw_sqlite3_connection_the_test_opened_is_interrupted(tmp_path: Path) -> None:
    interrupter = load_plugin("sqlite_interrupts").SQLiteInterrupter()
    interrupter.install()
    try:
        connection = sqlite3.connect(tmp_path / "raw.db", check_same_thread=False)
        threading.Timer(0.2, interrupter.interrupt_all).start()
        with pytest.raises(sqlite3.OperationalError, match="interrupted"):
            connection.execute(RUNAWAY)
        assert connection.execute("SELECT 42").fetchone() == (42,)
        connection.close()
    finally:
        interrupter.uninstall()


def test_a_test_that_ended_lets_go_of_its_raw_connections(tmp_path: Path) -> None:
    interrupter = load_plugin("sqlite_interrupts").SQLiteInterrupter()
    interrupter.install()
    try:
        sqlite3.connect(tmp_path / "kept.db").close()
        assert len(interrupter._opened_by_test) == 1
        interrupter.pytest_runtest_logfinish()
        assert interrupter._opened_by_test == []
    finally:
        interrupter.uninstall()
