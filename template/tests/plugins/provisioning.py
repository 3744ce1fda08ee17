"""The run's template database is built once, by whichever process needs it first.

Every process of a run (the xdist workers, or the one process without xdist)
needs the same schema, and building it (running the migrations) costs far more
than copying it. So the first process that needs a database takes a lock on a
file in the run's folder, builds the template and writes down how that went;
the others wait on the lock, read the outcome and copy the template. A failed
build is written down too, so every process reports the same error instead of
trying again. A run that needs no database (``-m unit``, ``--collect-only``)
builds nothing.

The run's folder is made by the first process (the xdist controller, whose
workers inherit its path) and carries that process's owner tag, so the next run
removes it if this one is killed (see ``reaper``).

A provider is a module named ``<database answer>_provider`` (``sqlite_provider``,
``postgresql_provider``) with: ``location_for_this_process(original_url)`` (the
URL the application is pointed at, on import), ``provider_for_this_run(original_url)``
(a ``DatabaseProvider``), ``add_options(parser)`` and ``configure_test_engine(engine,
config)``. ``database`` drives whichever the answer chose.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol

from .owners import Owner, owner_in, this_process

if TYPE_CHECKING:  # SQLAlchemy: imported when a test first needs a database
    from sqlalchemy.engine import URL

RUN_FOLDER_ENV = "PYTEST_PYRAMID_RUN_FOLDER"
"""The run's folder, set by the process that made it and inherited by xdist workers."""
OUTCOME_FILE = "template.json"
LOCK_FILE = "template.lock"

BuildSchema = Callable[["URL"], None]
"""Creates the schema in the empty database at the URL (see ``schema.build_schema``)."""


class ProvisioningError(RuntimeError):
    """The test database cannot be made; the message says why and what to do."""


class DatabaseProvider(Protocol):
    """What ``database`` needs from the provider of one kind of database."""

    def unavailable(self) -> str | None:
        """Why no test database can exist in this run (known before any test), if so."""

    def reap(self) -> dict[str, int]:
        """Remove what killed runs left (cheap: no server is started); counts for the header."""

    def open_database(self, url: URL, build_schema: BuildSchema) -> None:
        """Make this process's database at ``url``, a copy of the run's template."""

    def empty_database(self, url: URL) -> AbstractContextManager[URL]:
        """A new empty database next to this process's one, dropped afterwards."""

    def close_process(self, url: URL) -> None:
        """Remove this process's database (every process, at the end)."""

    def close_run(self) -> dict[str, int]:
        """Remove the run's databases and what it started (its first process, at the end).

        Returns what killed runs left and this run removed, for the summary.
        """


owned_folders: list[Path] = []
"""The run's folder, in the process that made it (the one that removes it)."""


def run_folder(prefix: str) -> Path:
    """The run's folder: made by the first process, inherited by the others."""
    inherited = os.environ.get(RUN_FOLDER_ENV)
    if inherited:
        return Path(inherited)
    folder = Path(tempfile.mkdtemp(prefix=f"{prefix}run-{this_process().tag}-"))
    os.environ[RUN_FOLDER_ENV] = str(folder)
    owned_folders.append(folder)
    return folder


def scratch_folder(prefix: str) -> Path:
    """A new folder inside the run's, for files a test helper keeps while the run lasts.

    It goes with the run's folder: at the end of the run, or, if the run is
    killed, when the next run reaps what it left.
    """
    return Path(tempfile.mkdtemp(prefix=prefix, dir=os.environ.get(RUN_FOLDER_ENV)))


def run_owner(folder: Path) -> Owner:
    """The run's first process, as written in the run folder's name."""
    owner = owner_in(folder.name)
    assert owner is not None, folder
    return owner


def owns_run() -> bool:
    """True in the process that made the run's folder: the one that cleans up after the run."""
    return bool(owned_folders)


def remove_run_folder() -> None:
    for folder in owned_folders:
        shutil.rmtree(folder, ignore_errors=True)
    owned_folders.clear()
    os.environ.pop(RUN_FOLDER_ENV, None)


def build_once(folder: Path, build: Callable[[], None]) -> None:
    """Run ``build`` unless a process of this run already did; its error, if it failed.

    Raises:
        ProvisioningError: this or an earlier process's ``build`` failed.
    """
    outcome = folder / OUTCOME_FILE
    with locked(folder / LOCK_FILE):
        if not outcome.exists():
            error = None
            try:
                build()
            except Exception as failure:  # every process must learn why, not only this one
                error = describe(failure)
            outcome.write_text(json.dumps({"error": error}))
        error = json.loads(outcome.read_text())["error"]
    if error is not None:
        raise ProvisioningError(error)


def describe(failure: Exception) -> str:
    if isinstance(failure, ProvisioningError):
        return str(failure)
    return f"{type(failure).__name__}: {failure}"


def build_failure() -> str | None:
    """Why the run's template could not be built, if a process of this run tried and failed."""
    folder = os.environ.get(RUN_FOLDER_ENV)
    outcome = Path(folder, OUTCOME_FILE) if folder else None
    if outcome is None or not outcome.exists():
        return None
    error: str | None = json.loads(outcome.read_text())["error"]
    return error


def was_built(folder: Path) -> bool:
    """True once a process of the run has tried to build the template."""
    return (folder / OUTCOME_FILE).exists()


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
