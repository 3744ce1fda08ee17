"""A PostgreSQL server for the tests of the ``database=postgresql`` render.

``TEST_DATABASE_URL`` wins (``.ci/run`` starts a server and sets it). Without it,
installed server programs are used to start a throwaway server for this test
session, as the ``postgres`` user when running as root (PostgreSQL refuses
root). With neither, the tests skip naming what to install, or fail when
``CI`` is set, since CI must never pass by skipping them.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.project import GeneratedProject

INSTALL_HINT = (
    "PostgreSQL is needed for the database=postgresql tests: install it "
    "(apt-get install postgresql) or export TEST_DATABASE_URL=postgresql://user@host:port/postgres"
)


def server_bin_dir() -> Path | None:
    """The newest installed folder holding initdb and pg_ctl, on PATH or Debian's path."""
    on_path = shutil.which("pg_ctl")
    candidates = ([str(Path(on_path).parent)] if on_path else []) + sorted(
        glob.glob("/usr/lib/postgresql/*/bin")
    )[::-1]
    for folder in candidates:
        if all((Path(folder) / name).exists() for name in ("initdb", "pg_ctl")):
            return Path(folder)
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def throwaway_server(bin_dir: Path) -> Iterator[str]:
    """A server in a temporary folder on a free loopback port; yields its URL."""
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    folder = Path(tempfile.mkdtemp(prefix="template-tests-postgresql-"))
    if as_user:
        shutil.chown(folder, user="postgres")
    data, port = folder / "data", free_port()
    options = f"-F -c listen_addresses=127.0.0.1 -p {port} -k {folder}"
    pg_ctl = [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data)]
    subprocess.run(
        [*as_user, str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-N"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [*pg_ctl, "-l", str(folder / "log"), "-w", "-o", options, "start"],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*pg_ctl, "-m", "immediate", "stop"], check=False, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def postgres_server_url() -> Iterator[str]:
    """The URL of a server for this test session (see the module docstring)."""
    given = os.environ.get("TEST_DATABASE_URL", "").strip()
    if given:
        yield given
        return
    bin_dir = server_bin_dir()
    if bin_dir is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but there is no PostgreSQL server. {INSTALL_HINT}")
        pytest.skip(INSTALL_HINT)
    with throwaway_server(bin_dir) as url:
        yield url


def path_without_postgresql() -> str:
    """``PATH`` minus every folder holding PostgreSQL's server programs."""
    folders = os.environ.get("PATH", "").split(os.pathsep)
    kept = [
        folder
        for folder in folders
        if folder and not any((Path(folder) / name).exists() for name in ("initdb", "pg_ctl"))
    ]
    return os.pathsep.join(kept)


LIST_DATABASES = """
import asyncio, os, sys
import asyncpg
async def main():
    connection = await asyncpg.connect(os.environ["TEST_DATABASE_URL"])
    query = "SELECT datname FROM pg_database WHERE datname LIKE $1"
    rows = await connection.fetch(query, sys.argv[1])
    await connection.close()
    print(" ".join(sorted(row["datname"] for row in rows)))
asyncio.run(main())
"""


def databases_like(project: GeneratedProject, server_url: str, pattern: str) -> list[str]:
    """The server's databases whose names match the LIKE ``pattern``, listed by ``project``."""
    result = project.run(
        project.bin("python"), "-c", LIST_DATABASES, pattern,
        env={"TEST_DATABASE_URL": server_url}, check=True,
    )  # fmt: skip
    return result.stdout.split()
