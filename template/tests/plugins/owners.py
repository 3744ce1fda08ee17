"""Who a resource belongs to: the process tag written into names of folders and databases.

``Owner.tag`` (``p<pid>t<start time>h<host>``) goes into the name of whatever a
run creates outside its own processes; ``is_gone`` tells whether that process
surely ended, so that ``reaper`` can remove what a killed run left; ``locked``
makes the processes of a run take turns on a file (the lock dies with its holder).
This module has no pytest hooks: the template's own test harness shares it.
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
import shutil
import socket
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

OWNER_TAG = re.compile(r"(?:^|[_-])p(?P<pid>\d+)t(?P<started>\d+)h(?P<host>[0-9a-f]{6})(?=$|[_-])")
CLOCK_SLACK_SECONDS = 2
"""Start times from /proc are rounded to the second: never take a live owner for a new process."""


@dataclass(frozen=True)
class Owner:
    """The process a resource belongs to, as written in the resource's name."""

    pid: int
    started: int
    host: str

    @property
    def tag(self) -> str:
        return f"p{self.pid}t{self.started}h{self.host}"


def host_tag(hostname: str) -> str:
    """Six hex digits naming a machine: PIDs mean nothing on another one."""
    return hashlib.sha256(hostname.encode()).hexdigest()[:6]


def worker_name() -> str:
    """``gw0``, ``gw1``... under pytest-xdist; ``main`` otherwise."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def this_process() -> Owner:
    return Owner(os.getpid(), int(time.time()), host_tag(socket.gethostname()))


def owner_in(name: str) -> Owner | None:
    """The owner written in ``name`` by ``Owner.tag``, or None for any other name."""
    found = OWNER_TAG.search(name)
    if found is None:
        return None
    return Owner(int(found["pid"]), int(found["started"]), found["host"])


def owner_is_gone(owner: Owner, *, host: str, running: bool, started_at: float | None) -> bool:
    """True only when ``owner`` surely ended: same host, and its PID is free or reused."""
    if owner.host != host:
        return False
    if not running:
        return True
    return started_at is not None and started_at > owner.started + CLOCK_SLACK_SECONDS


def is_gone(owner: Owner) -> bool:
    """``owner_is_gone`` for the processes of this machine, now."""
    return owner_is_gone(
        owner,
        host=host_tag(socket.gethostname()),
        running=pid_is_running(owner.pid),
        started_at=process_started_at(owner.pid),
    )


def pid_is_running(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) sends CTRL_C_EVENT there: never guess
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return not is_zombie(pid)


def is_zombie(pid: int, proc: Path = Path("/proc")) -> bool:
    """A process that has exited but was not yet reaped by its (new) parent: dead all the same."""
    try:
        stat = (proc / str(pid) / "stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[:1] == ["Z"]


def process_started_at(pid: int, proc: Path = Path("/proc")) -> float | None:
    """When ``pid`` started, in seconds since the epoch, where ``/proc`` says (Linux)."""
    try:
        stat = (proc / str(pid) / "stat").read_text()
        ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22, starttime
        boot = [line for line in (proc / "stat").read_text().splitlines() if line[:6] == "btime "]
        return int(boot[0].split()[1]) + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def orphaned(names: Iterable[str], gone: Callable[[Owner], bool] = is_gone) -> list[str]:
    """The names that carry an owner tag whose owner is gone."""
    return [name for name in names if (owner := owner_in(name)) is not None and gone(owner)]


def reap_folders(parent: Path, prefix: str) -> int:
    """Remove the folders ``parent/prefix*`` of owners that are gone; how many went."""
    folders = [Path(path) for path in glob.glob(f"{glob.escape(str(parent / prefix))}*")]
    names = [folder.name for folder in folders if folder.is_dir() and not folder.is_symlink()]
    removed = 0
    for name in orphaned(names):
        shutil.rmtree(parent / name, ignore_errors=True)
        removed += not (parent / name).exists()
    return removed


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (released by the OS if this process dies)."""
    with path.open("a+b") as file:
        _lock(file)
        try:
            yield
        finally:
            _unlock(file)


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(file: IO[bytes]) -> None:
        file.seek(0)
        while True:
            try:
                msvcrt.locking(file.fileno(), msvcrt.LK_LOCK, 1)
                return
            except OSError:  # LK_LOCK gives up after 10 s: keep waiting
                continue

    def _unlock(file: IO[bytes]) -> None:
        file.seek(0)
        msvcrt.locking(file.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(file: IO[bytes]) -> None:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX)

    def _unlock(file: IO[bytes]) -> None:
        fcntl.flock(file.fileno(), fcntl.LOCK_UN)
