"""Where the test run's PostgreSQL server comes from.

1. ``TEST_DATABASE_URL``: an existing server (a CI service, a local container).
   Its database is only used to create and drop the run's own databases.
2. Otherwise, if ``initdb`` and ``pg_ctl`` are on ``PATH``: a throwaway server in
   a temporary folder, on 127.0.0.1 and a free port, stopped and deleted at the
   end of the run. The folder holds an ``owner`` file (see ``owners``): a killed
   run's server is stopped and deleted by the next run. PostgreSQL refuses to run
   as root: as root, the server runs as the ``postgres`` user (through ``runuser``)
   when that user exists.
3. Otherwise ``ServerUnavailableError``, whose message says how to get one.

The template repository starts its own servers (its tests, its CI) with this
module too, so that there is one way to start one.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from .owners import Owner, is_gone, owner_in, this_process

ENVIRONMENT_VARIABLE = "TEST_DATABASE_URL"
DRIVER = "postgresql+asyncpg"
SERVER_BINARIES = ("initdb", "pg_ctl")
UNLISTED_INSTALLS = (
    "/usr/lib/postgresql/*/bin",
    "/usr/pgsql-*/bin",
    "/opt/homebrew/opt/postgresql*/bin",
)
START_TIMEOUT_SECONDS = 60
FOLDER_PREFIX = "pytest-postgresql-"
OWNER_FILE = "owner"
"""The owner tag is in a file, not the folder name: the server's socket path must stay short."""
SERVER_USER = "postgres"
"""Who runs the server when this process is root, which PostgreSQL refuses."""
DOCS = "docs/testing.md#running-postgresql-locally"

NO_SERVER_MESSAGE = (
    "No PostgreSQL server for the integration and E2E tests: TEST_DATABASE_URL is not "
    "set and the PostgreSQL server programs (initdb, pg_ctl) are not on PATH.{hint} "
    "Fix, either:\n"
    "  - point the suite at a server: export "
    "TEST_DATABASE_URL=postgresql://postgres:postgres@127.0.0.1:5432/postgres\n"
    "    (e.g. docker run -d -p 5432:5432 -e POSTGRES_PASSWORD=postgres postgres:17)\n"
    "  - or install PostgreSQL and put its bin folder on PATH, and the suite starts its "
    "own: apt-get install postgresql / brew install postgresql / dnf install "
    "postgresql-server\n"
    "Unit tests do not need a database: pytest -m unit. See " + DOCS
)
ROOT_MESSAGE = (
    "No PostgreSQL server for the integration and E2E tests: TEST_DATABASE_URL is not "
    "set, and the throwaway server cannot start because PostgreSQL refuses to run as "
    "root and there is no postgres user to run it as (with runuser). Fix: start a server "
    "as another user (e.g. docker run -d -p 5432:5432 -e POSTGRES_PASSWORD=postgres "
    "postgres:17) and export "
    "TEST_DATABASE_URL=postgresql://postgres:postgres@127.0.0.1:5432/postgres. See " + DOCS
)


class ServerUnavailableError(RuntimeError):
    """There is no server to put the test databases on; the message says the fix."""


def server_url_from_env(
    environ: Mapping[str, str] = os.environ, *, driver: str = DRIVER
) -> URL | None:
    """``TEST_DATABASE_URL`` with the async ``driver`` the suite uses, or None when unset."""
    raw = environ.get(ENVIRONMENT_VARIABLE, "").strip()
    if not raw:
        return None
    try:
        url = make_url(raw)
    except ArgumentError:
        url = None
    if url is None or url.drivername.split("+")[0] not in {"postgresql", "postgres"}:
        raise ServerUnavailableError(
            f"{ENVIRONMENT_VARIABLE} must be a PostgreSQL URL such as "
            "postgresql://postgres:postgres@127.0.0.1:5432/postgres (the driver is "
            f"replaced by {driver}). See {DOCS}"
        )
    return url.set(drivername=driver, database=url.database or "postgres")


def find_server_binaries(path: str | None = None) -> Path | None:
    """The folder on ``PATH`` holding both ``initdb`` and ``pg_ctl``, if any."""
    found = [shutil.which(name, path=path) for name in SERVER_BINARIES]
    if None in found:
        return None
    return Path(str(found[0])).parent


def unlisted_installs() -> list[Path]:
    """Bin folders of installed PostgreSQL servers that are not on ``PATH``, newest first."""
    found = []
    for pattern in UNLISTED_INSTALLS:
        for folder in sorted(glob.glob(pattern), key=version_key, reverse=True):
            bin_dir = find_server_binaries(path=folder)
            if bin_dir is not None:
                found.append(bin_dir)
    return found


def version_key(folder: str) -> list[int]:
    """``/usr/lib/postgresql/16/bin`` sorts after ``.../9.6/bin``."""
    return [int(part) for part in "".join(c if c.isdigit() else " " for c in folder).split()]


def unlisted_install_hint() -> str:
    """A hint naming an installed PostgreSQL whose bin folder is not on ``PATH``."""
    installs = unlisted_installs()
    if installs:
        return f" PostgreSQL is installed in {installs[0]}: add that folder to PATH."
    return ""


def run_as_prefix(*, euid: int | None, runuser: str | None, user_exists: bool) -> list[str] | None:
    """What to put before the server's programs so PostgreSQL accepts the user; None if nothing.

    Anyone but root runs them directly. Root runs them as ``SERVER_USER`` with ``runuser``.
    """
    if euid != 0:
        return []
    if runuser is None or not user_exists:
        return None
    return [runuser, "-u", SERVER_USER, "--"]


def server_user_prefix() -> list[str] | None:
    """``run_as_prefix`` for this process and machine."""
    euid = os.geteuid() if hasattr(os, "geteuid") else None
    if euid != 0:
        return []
    import pwd  # POSIX only, and only root gets here

    try:
        user_exists = bool(pwd.getpwnam(SERVER_USER))
    except KeyError:
        user_exists = False
    return run_as_prefix(euid=euid, runuser=shutil.which("runuser"), user_exists=user_exists)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class ThrowawayServer:
    """A PostgreSQL server of this test run alone, in a temporary folder."""

    bin_dir: Path
    directory: Path
    port: int

    @classmethod
    def start(
        cls, bin_dir: Path, port: int | None = None, *, owner: Owner | None = None
    ) -> ThrowawayServer:
        """Start a server on ``port`` (a free one by default), tagged with ``owner`` (this process).

        Raises:
            ServerUnavailableError: it could not start; the message says why and the fix.
        """
        if server_user_prefix() is None:
            raise ServerUnavailableError(ROOT_MESSAGE)
        directory = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX))
        server = cls(bin_dir, directory, free_port() if port is None else port)
        (directory / OWNER_FILE).write_text((owner or this_process()).tag)
        if server_user_prefix():
            shutil.chown(directory, user=SERVER_USER)
        try:
            server._run("initdb", "-D", str(server.data), "-U", "postgres", "-A", "trust", "-N")
            options = f"-F -c listen_addresses=127.0.0.1 -p {server.port} -k {server.directory}"
            server._run(
                "pg_ctl", "-D", str(server.data), "-l", str(server.log), "-w", "-o", options,
                "-t", str(START_TIMEOUT_SECONDS), "start",
            )  # fmt: skip
        except ServerUnavailableError:
            shutil.rmtree(server.directory, ignore_errors=True)
            raise
        return server

    @property
    def data(self) -> Path:
        return self.directory / "data"

    @property
    def log(self) -> Path:
        return self.directory / "server.log"

    @property
    def url(self) -> URL:
        return URL.create(DRIVER, "postgres", None, "127.0.0.1", self.port, "postgres")

    def stop(self) -> None:
        """Stop at once (nothing here is worth a clean shutdown) and delete the folder."""
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        result = run_server_program(self.bin_dir / program, *args)
        if result.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise ServerUnavailableError(
                f"The throwaway PostgreSQL server failed: {program} exited "
                f"{result.returncode}.\n{result.stderr}{log}\nSet {ENVIRONMENT_VARIABLE} to "
                f"use a server of your own instead. See {DOCS}"
            )


def run_server_program(program: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``initdb`` or ``pg_ctl`` as a user PostgreSQL accepts (see ``server_user_prefix``).

    As another user, the run starts in the temporary folder: the current one may be closed to it.
    """
    prefix = server_user_prefix() or []
    return subprocess.run(
        [*prefix, str(program), *args],
        cwd=tempfile.gettempdir() if prefix else None,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_SECONDS + 10,
        check=False,
    )


def reap_throwaway_servers(parent: Path | None = None) -> int:
    """Stop and delete the throwaway servers of killed runs; how many."""
    parent = Path(tempfile.gettempdir()) if parent is None else parent
    removed = 0
    for directory in parent.glob(f"{FOLDER_PREFIX}*"):
        try:
            owner = owner_in((directory / OWNER_FILE).read_text())
        except OSError:
            continue
        if owner is None or not is_gone(owner) or not stopped(directory / "data"):
            continue
        shutil.rmtree(directory, ignore_errors=True)
        removed += not directory.exists()
    return removed


def stopped(data: Path) -> bool:
    """Stop the server running on ``data``, if any; False if one runs and cannot be."""
    if not (data / "postmaster.pid").exists():
        return True
    bin_dir = find_server_binaries()
    if bin_dir is None:  # without pg_ctl, leave it for a run that has it
        return False
    run_server_program(bin_dir / "pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
    return not (data / "postmaster.pid").exists()


def locate_server(driver: str = DRIVER) -> tuple[URL, ThrowawayServer | None]:
    """The server to use, and the throwaway server to stop afterwards (if one was started).

    Raises:
        ServerUnavailableError: there is none; the message names the fix.
    """
    url = server_url_from_env(driver=driver)
    if url is not None:
        return url, None
    bin_dir = find_server_binaries()
    if bin_dir is None:
        raise ServerUnavailableError(NO_SERVER_MESSAGE.format(hint=unlisted_install_hint()))
    server = ThrowawayServer.start(bin_dir)
    return server.url.set(drivername=driver), server
