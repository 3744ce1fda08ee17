"""A killed run leaves nothing that outlives the next run.

The crash scenarios plant a test that starts the API server and waits, run the
generated suite, kill it mid-run (SIGKILL or SIGTERM of pytest, SIGKILL of
one xdist worker), then check that no server of it still listens, run the
suite again, and check that the next run removed its folders and databases and
said how many. Each run gets a temporary directory of its own (``TMPDIR``) so
the folders are countable. The reaper's decisions are tested in-process first.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from harness.plugin_modules import load_plugin
from harness.postgres import databases_like
from harness.project import GeneratedProject, PytestRun, clean_environment

owners = load_plugin("owners")
reaper = load_plugin("reaper")
HOST = owners.host_tag(socket.gethostname())


def dead_pid() -> int:
    """The PID of a process that has exited (and been waited for)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


# -- the reaper's decisions ----------------------------------------------------


def test_owner_tag_is_read_back_from_folder_and_database_names() -> None:
    owner = owners.Owner(pid=4242, started=1764480000, host="3fa2c1")

    assert owner.tag == "p4242t1764480000h3fa2c1"
    assert owners.owner_in(f"music_library-tests-gw0-{owner.tag}-x1_y2z") == owner
    assert owners.owner_in(f"music_library_test_{owner.tag}_template") == owner
    assert owners.owner_in(owner.tag) == owner


@pytest.mark.parametrize(
    "name",
    [
        "music_library-tests-gw0-k2j3h4l5",  # before owner tags
        "music_library_test_3fa2c1d0_gw0",
        "music_library_test_xp4242t1764480000h3fa2c1_gw0",  # not at a boundary
        "music_library_test_p4242t1764480000h3fa2c_gw0",  # host tag cut short
        "",
    ],
)
def test_names_without_an_owner_tag_have_no_owner(name: str) -> None:
    assert owners.owner_in(name) is None


@pytest.mark.parametrize(
    ("host", "running", "started_at", "gone"),
    [
        pytest.param(HOST, False, None, True, id="pid-free"),
        pytest.param(HOST, True, None, False, id="pid-running-start-unknown"),
        pytest.param(HOST, True, 1764479990.0, False, id="running-since-before-the-tag"),
        pytest.param(HOST, True, 1764480001.5, False, id="within-clock-slack"),
        pytest.param(HOST, True, 1764480100.0, True, id="pid-reused-later"),
        pytest.param("000000", False, None, False, id="another-machine"),
    ],
)
def test_an_owner_is_gone_only_when_its_pid_is_free_or_reused_on_this_host(
    host: str, running: bool, started_at: float | None, gone: bool
) -> None:
    owner = owners.Owner(pid=4242, started=1764480000, host=HOST)

    assert owners.owner_is_gone(owner, host=host, running=running, started_at=started_at) is gone


def test_this_process_is_alive_and_an_exited_one_is_gone() -> None:
    me = owners.this_process()

    assert owners.is_gone(me) is False
    assert owners.is_gone(owners.Owner(dead_pid(), me.started, me.host)) is True


def test_an_exited_child_not_yet_reaped_counts_as_gone() -> None:
    """A zombie still answers ``kill(pid, 0)``: a killed run's worker can linger as one."""
    child = subprocess.Popen(["true"])
    try:
        deadline = time.monotonic() + GONE_SECONDS
        while not owners.is_zombie(child.pid) and time.monotonic() < deadline:
            time.sleep(0.01)

        assert owners.is_zombie(child.pid)
        assert not owners.pid_is_running(child.pid)
    finally:
        child.wait()


def test_a_pid_taken_by_a_later_process_is_gone_where_start_times_are_known() -> None:
    """Where /proc gives start times, a PID reused by a later process is recognised."""
    me = owners.this_process()
    started_at = owners.process_started_at(os.getpid())
    long_ago = owners.Owner(os.getpid(), me.started - 3600 * 24 * 365, me.host)

    if sys.platform == "linux":
        assert started_at is not None
        assert started_at <= time.time()
        assert owners.is_gone(long_ago) is True
    else:
        assert started_at is None
        assert owners.is_gone(long_ago) is False


def test_start_time_is_parsed_from_proc_even_with_spaces_in_the_command(tmp_path: Path) -> None:
    (tmp_path / "77").mkdir()
    fields = ["S", *["0"] * 18, str(250 * os.sysconf("SC_CLK_TCK")), "0"]
    (tmp_path / "77/stat").write_text(f"77 (odd ) name) {' '.join(fields)}\n")
    (tmp_path / "stat").write_text("cpu 1 2 3\nbtime 1764480000\nprocesses 9\n")

    assert owners.process_started_at(77, proc=tmp_path) == 1764480250.0
    assert owners.process_started_at(78, proc=tmp_path) is None


def test_only_folders_of_gone_owners_with_the_prefix_are_removed(tmp_path: Path) -> None:
    me = owners.this_process()
    gone = owners.Owner(dead_pid(), me.started, me.host).tag
    elsewhere = owners.Owner(dead_pid(), me.started, "000000").tag
    kept = [
        f"app-tests-gw0-{me.tag}-live",
        f"app-tests-gw0-{elsewhere}-other-host",
        f"other-tests-gw0-{gone}-other-prefix",
        "app-tests-gw0-untagged",
    ]
    for name in [*kept, f"app-tests-gw0-{gone}-a", f"app-tests-main-{gone}-b"]:
        (tmp_path / name).mkdir()
        (tmp_path / name / "test.db").write_text("")
    (tmp_path / f"app-tests-gw1-{gone}-link").symlink_to(tmp_path / kept[0])

    removed = owners.reap_folders(tmp_path, "app-tests-")

    assert removed == 2
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        [*kept, f"app-tests-gw1-{gone}-link"]
    )


def test_summary_counts_what_was_removed_and_is_silent_otherwise() -> None:
    assert reaper.summary({}) is None
    assert reaper.summary({"temporary folder": 0, "database": 0}) is None
    assert reaper.summary({"temporary folder": 1, "database": 3, "PostgreSQL server": 0}) == (
        "removed what killed runs left: 1 temporary folder, 3 databases "
        "(see docs/testing.md#a-killed-run-left-folders-or-databases)"
    )


# -- killing a generated project's run -----------------------------------------

WAITING_TEST = "tests/e2e/test_zz_waits_to_be_killed.py"
WAITING_TEST_BODY = '''\
"""Planted by the template's tests: holds the API server up until the run is killed."""

import asyncio
import os
from pathlib import Path

from .api_server import running_api_server


async def test_waits_to_be_killed_with_the_server_up(run_cli) -> None:
    await run_cli("list-playlists")  # the CLI's helper process and its folder exist too
    async with running_api_server() as base_url:
        marker = Path(os.environ["CRASH_MARKER"])
        marker.with_suffix(".tmp").write_text(f"{os.getpid()} {base_url}")
        marker.with_suffix(".tmp").rename(marker)
        await asyncio.sleep(3600)
'''
START_SECONDS = 240
GONE_SECONDS = 15
REMOVED = re.compile(r"removed what killed runs left: (.*) \(see docs/testing\.md#")
SQLITE_FOLDERS = "music_library-tests-*"


@dataclass(frozen=True)
class KilledRun:
    """A run of the generated suite that the planted test reported from, or its end."""

    process: subprocess.Popen[str]
    log: Path
    test_pid: int
    base_url: str

    def output(self) -> str:
        return self.log.read_text()


def start_until_the_server_is_up(
    project: GeneratedProject, temp_dir: Path, *args: str, env: dict[str, str] | None = None
) -> KilledRun:
    """Run the suite in the background until the planted test has its server up."""
    marker = temp_dir.parent / "server-is-up"
    log = temp_dir.parent / "killed-run.log"
    temp_root = project.root.parent / f".{project.root.name}-pytest-tmp"
    temp_root.mkdir(exist_ok=True)
    environment = clean_environment(
        {
            "PYTEST_DEBUG_TEMPROOT": str(temp_root),
            "TMPDIR": str(temp_dir),
            "CRASH_MARKER": str(marker),
            **(env or {}),
        }
    )
    with log.open("w") as output:
        process = subprocess.Popen(
            [project.bin("python"), "-m", "pytest", "-p", "no:cacheprovider", "-p",
             "no:randomly", *args],
            cwd=project.root, env=environment, stdout=output, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
    deadline = time.monotonic() + START_SECONDS
    while not marker.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            pytest.fail(f"the planted test never reported its server:\n{log.read_text()}")
        time.sleep(0.2)
    pid, base_url = marker.read_text().split()
    return KilledRun(process, log, int(pid), base_url)


def wait_until(condition: Callable[[], bool], what: str) -> None:
    """Poll ``condition()`` for a few seconds: processes take a moment to exit."""
    deadline = time.monotonic() + GONE_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(what)
        time.sleep(0.1)


def listens(base_url: str) -> bool:
    address = urlsplit(base_url)
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex((address.hostname, address.port)) == 0


def running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")  # a zombie is not running
    return not (status.exists() and status.read_text().rsplit(")", 1)[1].split()[0] == "Z")


def removed_in(run: PytestRun) -> str:
    """What the run's header says it removed ("" when it has no such line)."""
    found = REMOVED.search(run.output)
    return "" if found is None else found.group(1)


def folders_removed(count: int) -> str:
    return f"{count} temporary folder{'s' if count > 1 else ''}" if count else ""


def next_unit_run(
    project: GeneratedProject,
    temp_dir: Path,
    env: dict[str, str] | None = None,
    tests: str = "tests/unit",
) -> PytestRun:
    """The next run: the unit tier alone, since folders are reaped before any test."""
    return project.pytest(tests, "-p", "no:randomly", env={**(env or {}), "TMPDIR": str(temp_dir)})


def folders(temp_dir: Path) -> list[str]:
    return sorted(path.name for path in temp_dir.glob(SQLITE_FOLDERS))


def anything_else(temp_dir: Path) -> list[str]:
    """What is in ``TMPDIR`` besides the runs' folders, pytest's own and uv's locks."""
    ours = {*folders(temp_dir)}
    return sorted(
        path.name
        for path in temp_dir.iterdir()
        if path.name not in ours and not path.name.startswith(("pytest-of-", "uv-"))
    )


@pytest.fixture
def temp_dir(tmp_path: Path) -> Iterator[Path]:
    """The killed run's and the next run's ``TMPDIR``: their folders and nothing else.

    Whatever a failed scenario leaves of the killed run's process group is killed at
    teardown, so a failure here never leaves a server behind either.
    """
    folder = tmp_path / "tmp"
    folder.mkdir()
    yield folder
    kill_leftovers(tmp_path / "server-is-up")


def processes_of_the_killed_run(marker: Path) -> list[int]:
    """The processes with ``marker`` in their environment, read from Linux's /proc."""
    needle = f"CRASH_MARKER={marker}".encode()
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        with contextlib.suppress(OSError):
            if needle in environ.read_bytes().split(b"\0"):
                found.append(int(environ.parent.name))
    return found


def kill_leftovers(marker: Path) -> None:
    """SIGKILL what is left of the killed run (elsewhere than Linux nothing is found)."""
    for pid in processes_of_the_killed_run(marker):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def waiting_project(scratch_project: GeneratedProject) -> GeneratedProject:
    scratch_project.write(WAITING_TEST, WAITING_TEST_BODY)
    return scratch_project


@pytest.mark.render
@pytest.mark.parametrize(
    ("kill", "workers"),
    [
        pytest.param(signal.SIGKILL, "0", id="sigkill-without-xdist"),
        pytest.param(signal.SIGKILL, "2", id="sigkill-of-the-xdist-controller"),
        pytest.param(signal.SIGTERM, "2", id="sigterm-of-the-xdist-controller"),
    ],
)
def test_killed_pytest_leaves_no_server_and_the_next_run_removes_its_folders(
    waiting_project: GeneratedProject, temp_dir: Path, kill: signal.Signals, workers: str
) -> None:
    killed = start_until_the_server_is_up(waiting_project, temp_dir, "-n", workers)

    killed.process.send_signal(kill)
    killed.process.wait()

    wait_until(lambda: not listens(killed.base_url), f"{killed.base_url} still answers")
    wait_until(lambda: not running(killed.test_pid), "the worker outlived its controller")
    marker = temp_dir.parent / "server-is-up"
    wait_until(lambda: not processes_of_the_killed_run(marker), "a worker outlived the run")
    left = folders(temp_dir)
    if kill == signal.SIGKILL:  # SIGTERM may yet get a handler that cleans up
        assert f"p{killed.process.pid}t" in " ".join(left), killed.output()
    assert anything_else(temp_dir) == []  # e.g. the E2E CLI's folder: inside the run's
    next_run = next_unit_run(waiting_project, temp_dir)
    assert next_run.returncode == 0, next_run.output
    assert removed_in(next_run) == folders_removed(len(left)), next_run.output
    assert folders(temp_dir) == []


@pytest.mark.render
def test_killed_xdist_worker_leaves_no_server_and_the_next_run_removes_its_folder(
    waiting_project: GeneratedProject, temp_dir: Path
) -> None:
    killed = start_until_the_server_is_up(waiting_project, temp_dir, "-n", "2")

    os.kill(killed.test_pid, signal.SIGKILL)
    wait_until(lambda: not listens(killed.base_url), f"{killed.base_url} still answers")
    killed.process.wait(timeout=START_SECONDS)

    assert "crashed while running" in killed.output()
    left = folders(temp_dir)
    assert len(left) == 1, killed.output()
    assert f"-p{killed.test_pid}t" in left[0]
    next_run = next_unit_run(waiting_project, temp_dir)
    assert next_run.returncode == 0, next_run.output
    assert removed_in(next_run) == "1 temporary folder", next_run.output
    assert folders(temp_dir) == []


@pytest.mark.render
def test_a_live_run_s_folder_is_left_alone_and_nothing_is_said(
    scratch_project: GeneratedProject, temp_dir: Path
) -> None:
    live = f"music_library-tests-gw0-{owners.this_process().tag}-k2j3h4l5"  # ours: running
    (temp_dir / live).mkdir()

    run = next_unit_run(scratch_project, temp_dir)

    assert run.returncode == 0, run.output
    assert "removed what killed runs left" not in run.output
    assert folders(temp_dir) == [live]


# -- on PostgreSQL ---------------------------------------------------------------


@pytest.fixture(scope="module")
def killed_library_project(tmp_path_factory: pytest.TempPathFactory) -> GeneratedProject:
    """The postgresql render, under a package name of its own.

    Runs of another render of the same package on the same server would reap this
    test's databases (rightly), and the next run here would not count them.
    """
    destination = tmp_path_factory.mktemp("postgresql") / "killed-library"
    project = GeneratedProject.create(
        destination, database="postgresql", project_name="Killed Library"
    )
    project.write(WAITING_TEST, WAITING_TEST_BODY)
    return project


def databases_of(project: GeneratedProject, server_url: str, owner_tag: str) -> list[str]:
    return databases_like(project, server_url, f"%\\_test\\_{owner_tag}\\_%")


@pytest.mark.render
def test_killed_run_on_postgresql_leaves_databases_the_next_run_drops(
    killed_library_project: GeneratedProject, server_url: str, temp_dir: Path
) -> None:
    with_server = {"TEST_DATABASE_URL": server_url}
    killed = start_until_the_server_is_up(
        killed_library_project, temp_dir, "-n", "2", env=with_server
    )
    header = re.search(r"_test_(p\d+t\d+h[0-9a-f]{6})_", killed.output())
    assert header is not None, killed.output()
    # What a killed throwaway server leaves: its folder, naming an owner that is gone.
    throwaway = temp_dir / "pytest-postgresql-k1ll3d"
    (throwaway / "data").mkdir(parents=True)
    (throwaway / "owner").write_text(owners.Owner(dead_pid(), int(time.time()), HOST).tag)

    killed.process.send_signal(signal.SIGKILL)
    killed.process.wait()

    wait_until(lambda: not listens(killed.base_url), f"{killed.base_url} still answers")
    left = databases_of(killed_library_project, server_url, header.group(1))
    assert [name.rsplit("_", 1)[1] for name in left] == ["gw0", "gw1", "template"], left
    # Databases are only found once the server is reached: by a run that needs one.
    next_run = next_unit_run(
        killed_library_project, temp_dir, with_server, "tests/integration/repositories"
    )
    assert next_run.returncode == 0, next_run.output
    removed = re.fullmatch(
        r"1 PostgreSQL server, 1 temporary folder, (\d+) databases", removed_in(next_run)
    )
    assert removed is not None, next_run.output
    assert int(removed.group(1)) >= 3  # and those of earlier killed runs on a shared server
    assert databases_of(killed_library_project, server_url, header.group(1)) == []
    assert not throwaway.exists()
