"""Leftover-task guard: work a test starts must end with the test.

All tests share one event loop, so a task a test starts with
``asyncio.create_task`` and never awaits keeps running into later tests: it
writes to their database, and its errors surface as "Task exception was never
retrieved" after a green run. The tasks of the loop are listed before each
async test and again after its teardown; the test fails naming every task
still pending, once they are cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
import pytest_asyncio

from .baseline import fail_unless_baselined
from .settings import guards_enabled

LEFTOVER_TASKS_GUARD = "leftover-tasks"
"""The name baseline entries use for this guard."""
CANCEL_TIMEOUT_SECONDS = 5
LEFTOVER_TASKS_MESSAGE = (
    "This test left {count} task(s) running after its teardown; they have been cancelled:\n"
    "{tasks}\nA task the test starts must end with it: await it (or cancel and await it) "
    "in the test or in a fixture's teardown. See docs/testing.md#isolation-checks"
)
TASK_LINE = "- {name}: {coroutine}() defined at {defined}, {state}"
UNRETRIEVED_MESSAGE = (
    "A task this test started failed and nothing awaited it, so its exception would only be "
    "logged later as 'Task exception was never retrieved':\n{tasks}\nAwait the task (or read "
    "task.exception()) before the test ends. See docs/testing.md#isolation-checks"
)
UNRETRIEVED_LINE = "- {name}: {coroutine}() raised {error!r}"


def describe(task: asyncio.Task[object]) -> str:
    """The task's name, its coroutine, where that is defined and where it waits."""
    coroutine = task.get_coro()
    code = getattr(coroutine, "cr_code", None)
    frame = getattr(coroutine, "cr_frame", None)
    defined = f"{os.path.relpath(code.co_filename)}:{code.co_firstlineno}" if code else "?"
    state = "running"
    if inspect.iscoroutine(coroutine) and inspect.getcoroutinestate(coroutine) == "CORO_CREATED":
        state = "not started yet"
    elif frame is not None:
        state = f"waiting at {os.path.relpath(frame.f_code.co_filename)}:{frame.f_lineno}"
    name = getattr(coroutine, "__qualname__", repr(coroutine))
    return TASK_LINE.format(name=task.get_name(), coroutine=name, defined=defined, state=state)


async def cancel_all(tasks: Iterable[asyncio.Task[object]]) -> None:
    """Cancel and wait (briefly); collect their outcomes so none is logged later."""
    pending = list(tasks)
    for task in pending:
        task.cancel()
    await asyncio.wait(pending, timeout=CANCEL_TIMEOUT_SECONDS)
    for task in pending:
        if task.done() and not task.cancelled():
            task.exception()


# -- fixtures ----------------------------------------------------------------


@pytest.fixture(autouse=True)
def _no_leftover_tasks(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tests run by pytest-asyncio: the loop's tasks are compared around the test."""
    # Only tests on pytest-asyncio's loop alone: an anyio test runs on a loop of its
    # own, and where a test's fixtures use anyio_backend, anyio's plugin would run
    # session_loop on its runner too (and fail when the project's anyio_backend is
    # function-scoped), breaking a test of the project's that had passed.
    guarded = guards_enabled(request.config) and pytest_asyncio.is_async_test(request.node)
    if not guarded or "anyio_backend" in request.fixturenames:
        yield
        return
    loop: asyncio.AbstractEventLoop = request.getfixturevalue("session_loop")
    before = asyncio.all_tasks(loop)
    with unretrieved_failures(loop) as failures:
        yield
    leftovers = [task for task in asyncio.all_tasks(loop) - before if not task.done()]
    if leftovers:
        lines = "\n".join(sorted(describe(task) for task in leftovers))
        loop.run_until_complete(cancel_all(leftovers))
        message = LEFTOVER_TASKS_MESSAGE.format(count=len(leftovers), tasks=lines)
        fail_unless_baselined(request.node, LEFTOVER_TASKS_GUARD, message)
    if failures:
        message = UNRETRIEVED_MESSAGE.format(tasks="\n".join(failures))
        fail_unless_baselined(request.node, LEFTOVER_TASKS_GUARD, message)


@contextlib.contextmanager
def unretrieved_failures(loop: asyncio.AbstractEventLoop) -> Iterator[list[str]]:
    """Collect "Task exception was never retrieved" reports of the loop while open."""
    failures: list[str] = []
    previous = loop.get_exception_handler()

    def handler(this_loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        task, error = context.get("future"), context.get("exception")
        if isinstance(task, asyncio.Task) and error is not None:
            coroutine = getattr(task.get_coro(), "__qualname__", "?")
            line = UNRETRIEVED_LINE.format(name=task.get_name(), coroutine=coroutine, error=error)
            failures.append(line)
        elif previous is not None:
            previous(this_loop, context)
        else:
            this_loop.default_exception_handler(context)

    loop.set_exception_handler(handler)
    try:
        yield failures
    finally:
        loop.set_exception_handler(previous)
