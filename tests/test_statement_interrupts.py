"""A SQLite statement that never ends is stopped at the deadline, on both SQLite paths.

The pieces behind the hang guard's statement deadline, in-process: the
watchdog thread (``hangs.Watchdog``) acts while the event loop's own thread is stuck
inside SQLite, and the interrupter (``sqlite_interrupts``) reaches every
aiosqlite connection, on the fast path (``sqlite_inline``) and on aiosqlite's
thread. Whole runs of rendered projects are in test_connection_faults.py.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from sqlalchemy import exc, text
from sqlalchemy.ext.asyncio import create_async_engine

from harness.plugin_modules import load_plugin

RUNAWAY = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
DEADLINE_SECONDS = 0.2


def test_the_watchdog_acts_at_the_deadline_on_its_own_thread() -> None:
    watchdog = load_plugin("hangs").Watchdog()
    acted = threading.Event()
    threads: list[str] = []

    def action() -> None:
        threads.append(threading.current_thread().name)
        acted.set()

    watchdog.arm(DEADLINE_SECONDS, action)
    assert acted.wait(timeout=30)

    assert watchdog.disarm() is True
    assert threads == ["hang-guard"]


def test_a_disarmed_watchdog_never_acts_and_can_be_armed_again() -> None:
    watchdog = load_plugin("hangs").Watchdog()
    calls: list[str] = []
    watchdog.arm(3600, lambda: calls.append("late"))
    assert watchdog.disarm() is False

    acted = threading.Event()
    watchdog.arm(DEADLINE_SECONDS, acted.set)  # shorter than the thread's last wait
    assert acted.wait(timeout=30)

    assert watchdog.disarm() is True
    assert calls == []


@pytest.mark.parametrize("inline", [True, False], ids=["fast-path", "aiosqlite-thread"])
def test_a_runaway_statement_is_interrupted_and_the_connection_stays_usable(
    tmp_path: Path, inline: bool
) -> None:
    watchdog = load_plugin("hangs").Watchdog()
    interrupter = load_plugin("sqlite_interrupts").SQLiteInterrupter()
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'runaway.db'}")
    if inline:
        load_plugin("sqlite_inline").run_sqlite_inline(engine)
    interrupter.install()

    async def run_away_then_select() -> int:
        try:
            async with engine.connect() as connection:
                watchdog.arm(DEADLINE_SECONDS, interrupter.interrupt_all)
                with pytest.raises(exc.OperationalError, match="interrupted"):
                    await connection.execute(text(RUNAWAY))
                assert watchdog.disarm() is True
                return int(await connection.scalar(text("SELECT 41 + 1")))
        finally:
            await engine.dispose()

    try:
        assert asyncio.run(run_away_then_select()) == 42
    finally:
        interrupter.uninstall()


def test_interrupting_with_nothing_running_changes_nothing(tmp_path: Path) -> None:
    interrupter = load_plugin("sqlite_interrupts").SQLiteInterrupter()
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'idle.db'}")
    interrupter.install()

    async def interrupt_then_select() -> int:
        try:
            async with engine.connect() as connection:
                interrupter.interrupt_all()
                return int(await connection.scalar(text("SELECT 42")))
        finally:
            await engine.dispose()

    try:
        assert asyncio.run(interrupt_then_select()) == 42
    finally:
        interrupter.uninstall()
