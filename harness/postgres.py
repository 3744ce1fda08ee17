"""A PostgreSQL server for the tests of the ``database=postgresql`` render, and for CI.

``TEST_DATABASE_URL`` wins (``.ci/run`` starts a server and sets it). Without it,
the template's own starter (``template/tests/plugins/postgres_server.py``, the
one generated projects use) starts a throwaway server for this test session, as
the ``postgres`` user when running as root. With no server programs, the tests
skip naming what to install, or fail when ``CI`` is set, since CI must never
pass by skipping them.

As a script, for ``.ci/run``: ``python -m harness.postgres start`` starts a server
and prints its URL and folder; ``python -m harness.postgres stop FOLDER`` stops it.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import pytest

from .plugin_modules import load_plugin
from .project import GeneratedProject

INSTALL_HINT = (
    "PostgreSQL is needed for the database=postgresql tests: install it "
    "(apt-get install postgresql) or export TEST_DATABASE_URL=postgresql://user@host:port/postgres"
)


def starter() -> ModuleType:
    """The generated project's ``postgres_server`` module, loaded from the template."""
    return load_plugin("postgres_server")


def server_bin_dir() -> Path | None:
    """The folder holding initdb and pg_ctl: on PATH, else the newest known install."""
    postgres_server = starter()
    found: Path | None = postgres_server.find_server_binaries()
    installs: list[Path] = postgres_server.unlisted_installs()
    return found or next(iter(installs), None)


def libpq_url(url: object) -> str:
    """``url`` (a SQLAlchemy URL) as plain ``postgresql://``, the spelling every client reads."""
    plain = url.set(drivername="postgresql")  # type: ignore[attr-defined]
    return str(plain.render_as_string(hide_password=False))


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
    server = starter().ThrowawayServer.start(bin_dir)
    try:
        yield libpq_url(server.url)
    finally:
        server.stop()


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


def main(argv: Sequence[str] | None = None) -> int:
    """``start`` prints ``URL FOLDER``; ``stop FOLDER`` stops that server and deletes it."""
    parser = argparse.ArgumentParser(prog="python -m harness.postgres", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("start", help="start a throwaway server; print URL and folder")
    start.add_argument("--port", type=int, help="the port to listen on (default: a free one)")
    start.add_argument(
        "--owner-pid",
        type=int,
        required=True,
        help="the process whose end frees the server for reaping (e.g. the calling shell: $$)",
    )
    stop = commands.add_parser("stop", help="stop the server that `start` put in FOLDER")
    stop.add_argument("folder", type=Path)
    arguments = parser.parse_args(argv)

    postgres_server = starter()
    bin_dir = server_bin_dir()
    if bin_dir is None:
        parser.exit(1, f"error: no PostgreSQL server programs found. {INSTALL_HINT}\n")
    if arguments.command == "stop":
        postgres_server.ThrowawayServer(bin_dir, arguments.folder, 0).stop()
        return 0
    try:
        server = postgres_server.ThrowawayServer.start(
            bin_dir, arguments.port, owner=process_owner(arguments.owner_pid)
        )
    except postgres_server.ServerUnavailableError as error:
        parser.exit(1, f"error: {error}\n")
    print(libpq_url(server.url), server.directory)
    return 0


def process_owner(pid: int) -> object:
    """The owner tag of a running ``pid``, so that reapers leave its server alone while it lives."""
    owners = load_plugin("owners")
    started = owners.process_started_at(pid)
    if started is None:
        raise SystemExit(f"error: no running process {pid} to own the server")
    return owners.Owner(pid, int(started), owners.this_process().host)


if __name__ == "__main__":
    sys.exit(main())
