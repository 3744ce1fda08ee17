"""Waiting for a process the suite starts is bounded by the E2E tier's timeout, not a fixed figure.

A server or CLI that exits fails its test at once with its output; one alive
but not ready (or not finished) by its bound fails saying so; and a CLI call
whose test is stopped by the hang guard is killed with it. The scenarios are
planted in a copy of the default render and run once, with a 15 s E2E timeout
(long enough for a slow start under load, short enough for the hang guard's
case); each test below reads one outcome from that run.
"""

from __future__ import annotations

import re

import pytest

from harness.project import GeneratedProject, PytestRun

pytestmark = pytest.mark.render

E2E_TIMEOUT = "15"
PLANTED = "tests/e2e/test_planted_waits.py"
FILES = {
    "tests/e2e/planted_apps.py": '''
"""App factories for uvicorn that fail to start in the ways a real app can."""

import time

from music_library.interface.api import create_app


def crashes() -> object:
    raise RuntimeError("planted: the app cannot start")


def hangs() -> object:
    time.sleep(3600)
    return create_app()


def slow() -> object:
    time.sleep(3)
    return create_app()
''',
    "tests/e2e/planted_cli.py": '''
"""A command that writes its PID where it is told, says it started, then waits."""

import os
import time
from pathlib import Path


def main(args: list[str]) -> int:
    Path(args[0]).write_text(str(os.getpid()))
    print("started, now waiting", flush=True)
    time.sleep(3600)
    return 0
''',
    "tests/e2e/planted_broken_cli.py": """
raise ImportError("planted: the CLI cannot be imported")
""",
    PLANTED: """
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from .api_server import running_api_server
from .cli_forks import CliForks

PID_FILE = Path(os.environ["PLANTED_PID_FILE"])


async def test_server_whose_app_cannot_start() -> None:
    async with running_api_server(600, "tests.e2e.planted_apps:crashes"):
        pass


async def test_server_that_never_listens() -> None:
    async with running_api_server(2, "tests.e2e.planted_apps:hangs"):
        pass


async def test_server_slower_than_its_bound() -> None:
    async with running_api_server(1, "tests.e2e.planted_apps:slow"):
        pass


async def test_server_that_starts_slowly_within_the_tiers_timeout(e2e_timeout: float) -> None:
    async with running_api_server(e2e_timeout, "tests.e2e.planted_apps:slow") as base_url:
        assert base_url.startswith("http://127.0.0.1:")


@pytest.fixture
async def forks(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[CliForks]:
    module, seconds = request.param
    forks = CliForks(module, "planted", seconds, tmp_path)
    yield forks
    await forks.stop()


@pytest.mark.parametrize("forks", [("tests.e2e.planted_cli", 2)], indirect=True)
async def test_cli_call_past_its_time(forks: CliForks) -> None:
    await forks.run((str(PID_FILE),))


@pytest.mark.parametrize("forks", [("tests.e2e.planted_cli", 600)], indirect=True)
async def test_cli_call_whose_test_hangs(forks: CliForks) -> None:
    await forks.run((str(PID_FILE),))


def test_no_cli_process_outlived_its_test() -> None:
    pid = int(PID_FILE.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


@pytest.mark.parametrize("forks", [("tests.e2e.planted_broken_cli", 600)], indirect=True)
async def test_cli_that_cannot_start(forks: CliForks) -> None:
    await forks.run(())


def test_the_bound_is_the_e2e_tiers_timeout(e2e_timeout: float) -> None:
    assert e2e_timeout == """
    + E2E_TIMEOUT
    + """
""",
}


@pytest.fixture(scope="module")
def run(default_project: GeneratedProject, tmp_path_factory: pytest.TempPathFactory) -> PytestRun:
    folder = tmp_path_factory.mktemp("waits")
    project = default_project.clone(folder / "project")
    for path, text in FILES.items():
        project.write(path, text)
    return project.pytest(
        PLANTED,
        "-rA",
        "-p",
        "no:randomly",
        "-o",
        f"pyramid_e2e_timeout={E2E_TIMEOUT}",
        env={"PLANTED_PID_FILE": str(folder / "cli.pid")},
    )


def failure_of(run: PytestRun, test: str) -> str:
    """The report of one failed planted test, from its header to the next one."""
    found = re.search(
        rf"^_+ {re.escape(test)}\S* _+$(.*?)(?=^_{{3,}} |^=+ )", run.output, re.M | re.S
    )
    assert found is not None, run.output
    return found.group(1)


def test_only_the_planted_faults_fail(run: PytestRun) -> None:
    assert "INTERNALERROR" not in run.output
    assert run.outcomes == {"failed": 6, "passed": 3}, run.output
    for passing in (
        "test_server_that_starts_slowly_within_the_tiers_timeout",
        "test_no_cli_process_outlived_its_test",
        "test_the_bound_is_the_e2e_tiers_timeout",
    ):
        assert f"PASSED {PLANTED}::{passing}" in run.output


def test_a_server_that_exits_fails_at_once_with_its_status_and_output(run: PytestRun) -> None:
    report = failure_of(run, "test_server_whose_app_cannot_start")

    assert (
        "ApiServerError: uvicorn (tests.e2e.planted_apps:crashes) exited with status 1 "
        "before listening. Its output:" in report
    )
    assert "RuntimeError: planted: the app cannot start" in report
    assert "Hang guard" not in report  # it did not wait out a timeout


@pytest.mark.parametrize(
    ("test", "factory", "seconds"),
    [
        ("test_server_that_never_listens", "hangs", "2"),
        ("test_server_slower_than_its_bound", "slow", "1"),
    ],
)
def test_a_live_server_not_listening_in_time_fails_saying_so(
    run: PytestRun, test: str, factory: str, seconds: str
) -> None:
    report = failure_of(run, test)

    assert re.search(
        rf"ApiServerError: uvicorn \(tests\.e2e\.planted_apps:{factory}\) is still running "
        rf"\(pid \d+\) but was not listening after {seconds} s, the E2E tier's timeout "
        r"\(pyramid_e2e_timeout\): look in its output for what its start-up waits on, or raise "
        r"that timeout on a slow machine\. Its output:",
        report,
    ), report


def test_a_cli_call_past_its_bound_is_killed_and_reported_with_its_output(run: PytestRun) -> None:
    report = failure_of(run, "test_cli_call_past_its_time")

    assert re.search(
        r"CliTimeoutError: `planted \S+cli\.pid` was still running after 2 s, the E2E tier's "
        r"timeout \(pyramid_e2e_timeout\), and was killed: its output below shows how far it "
        r"got; raise that timeout only if the machine is that slow\.",
        report,
    ), report
    assert "started, now waiting" in report


def test_a_cli_call_whose_test_hangs_fails_by_the_hang_guard_and_dies_with_it(
    run: PytestRun,
) -> None:
    report = failure_of(run, "test_cli_call_whose_test_hangs")

    assert (
        f"Hang guard: this e2e test was still waiting after {E2E_TIMEOUT} s (pyramid_e2e_timeout)"
        in report
    )
    assert f"PASSED {PLANTED}::test_no_cli_process_outlived_its_test" in run.output


def test_a_cli_that_cannot_start_fails_at_once_with_its_traceback(run: PytestRun) -> None:
    report = failure_of(run, "test_cli_that_cannot_start")

    assert "RuntimeError: the CLI's helper process exited:" in report
    assert "ImportError: planted: the CLI cannot be imported" in report
    assert "Hang guard" not in report
