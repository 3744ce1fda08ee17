"""The PostgreSQL starter shared by generated projects, the template's tests and ``.ci/run``.

``template/tests/plugins/postgres_server.py`` needs no rendering: its choices (which
URL, which programs, which user, which folders to reap) are checked in-process, and
one real server is started on a port chosen in advance.
"""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

from harness.plugin_modules import load_plugin
from harness.postgres import INSTALL_HINT, server_bin_dir


@pytest.fixture(scope="module")
def server() -> ModuleType:
    return load_plugin("postgres_server")


@pytest.fixture(scope="module")
def owners() -> ModuleType:
    return load_plugin("owners")


def dead_pid() -> int:
    """The PID of a process that has exited and been waited for."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


# -- who runs the server --------------------------------------------------------


def test_anyone_but_root_runs_the_server_programs_directly(server: ModuleType) -> None:
    assert server.run_as_prefix(euid=1000, runuser="/usr/sbin/runuser", user_exists=True) == []
    assert server.run_as_prefix(euid=None, runuser=None, user_exists=False) == []


def test_root_runs_them_as_the_postgres_user_through_runuser(server: ModuleType) -> None:
    prefix = server.run_as_prefix(euid=0, runuser="/usr/sbin/runuser", user_exists=True)

    assert prefix == ["/usr/sbin/runuser", "-u", "postgres", "--"]


@pytest.mark.parametrize(
    ("runuser", "user_exists"), [(None, True), ("/usr/sbin/runuser", False), (None, False)]
)
def test_root_without_runuser_or_a_postgres_user_cannot_run_them(
    server: ModuleType, runuser: str | None, user_exists: bool
) -> None:
    assert server.run_as_prefix(euid=0, runuser=runuser, user_exists=user_exists) is None


def test_with_no_user_to_run_as_the_start_fails_with_the_root_message_and_leaves_nothing(
    server: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(server, "server_user_prefix", lambda: None)
    monkeypatch.setattr(server.tempfile, "tempdir", str(tmp_path))

    with pytest.raises(server.ServerUnavailableError) as raised:
        server.ThrowawayServer.start(tmp_path)

    assert str(raised.value) == server.ROOT_MESSAGE
    assert "refuses to run as root" in server.ROOT_MESSAGE
    assert "export TEST_DATABASE_URL=postgresql://" in server.ROOT_MESSAGE
    assert list(tmp_path.iterdir()) == []


# -- which server ------------------------------------------------------------------


def test_no_test_database_url_means_no_given_server(server: ModuleType) -> None:
    assert server.server_url_from_env({}) is None
    assert server.server_url_from_env({"TEST_DATABASE_URL": "  "}) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("postgresql://u:p@db:5433/app", "postgresql+asyncpg://u:p@db:5433/app"),
        ("postgres://u@db", "postgresql+asyncpg://u@db/postgres"),
        ("postgresql+psycopg://u@db/x", "postgresql+asyncpg://u@db/x"),
    ],
)
def test_a_given_url_gets_the_suites_driver_and_a_database(
    server: ModuleType, raw: str, expected: str
) -> None:
    url = server.server_url_from_env({"TEST_DATABASE_URL": raw})

    assert url.render_as_string(hide_password=False) == expected


@pytest.mark.parametrize("raw", ["mysql://u@db/x", "sqlite:///x.db", "not a url"])
def test_a_url_that_is_not_postgresql_is_refused_with_an_example(
    server: ModuleType, raw: str
) -> None:
    with pytest.raises(server.ServerUnavailableError, match=r"^TEST_DATABASE_URL must be a Postg"):
        server.server_url_from_env({"TEST_DATABASE_URL": raw})


def test_the_server_programs_are_found_only_where_both_are(
    server: ModuleType, tmp_path: Path
) -> None:
    both, half = tmp_path / "both", tmp_path / "half"
    for folder, names in ((both, ("initdb", "pg_ctl")), (half, ("pg_ctl",))):
        folder.mkdir()
        for name in names:
            (folder / name).write_text("#!/bin/sh\n")
            (folder / name).chmod(0o755)

    assert server.find_server_binaries(str(both)) == both
    assert server.find_server_binaries(str(half)) is None
    assert server.find_server_binaries(os.pathsep.join([str(half), str(both)])) == both


def test_unlisted_installs_are_found_newest_version_first_where_both_programs_are(
    server: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for version, names in (("9.6", ("initdb", "pg_ctl")), ("16", ("initdb", "pg_ctl")),
                           ("10", ("initdb", "pg_ctl")), ("17", ("pg_ctl",))):  # fmt: skip
        folder = tmp_path / version / "bin"
        folder.mkdir(parents=True)
        for name in names:
            (folder / name).write_text("#!/bin/sh\n")
            (folder / name).chmod(0o755)
    monkeypatch.setattr(server, "UNLISTED_INSTALLS", (f"{tmp_path}/*/bin",))

    assert server.unlisted_installs() == [tmp_path / v / "bin" for v in ("16", "10", "9.6")]
    assert server.unlisted_install_hint() == (
        f" PostgreSQL is installed in {tmp_path / '16' / 'bin'}: add that folder to PATH."
    )


def test_a_throwaway_servers_url_is_the_postgres_database_on_loopback(server: ModuleType) -> None:
    started = server.ThrowawayServer(Path("/bin"), Path("/tmp/x"), 5439)

    assert str(started.url) == "postgresql+asyncpg://postgres@127.0.0.1:5439/postgres"


# -- what killed runs left ------------------------------------------------------


def test_only_stopped_servers_of_gone_owners_are_reaped(
    server: ModuleType, owners: ModuleType, tmp_path: Path
) -> None:
    host = owners.this_process().host
    tags = {
        "pytest-postgresql-gone": owners.Owner(dead_pid(), 1, host).tag,
        "pytest-postgresql-alive": owners.this_process().tag,
        "pytest-postgresql-elsewhere": owners.Owner(dead_pid(), 1, "abcdef").tag,
        "other-prefix-gone": owners.Owner(dead_pid(), 1, host).tag,
    }
    for name, tag in tags.items():
        (tmp_path / name / "data").mkdir(parents=True)
        (tmp_path / name / "owner").write_text(tag)
    (tmp_path / "pytest-postgresql-no-owner" / "data").mkdir(parents=True)

    removed = server.reap_throwaway_servers(tmp_path)

    assert removed == 1
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "other-prefix-gone",
        "pytest-postgresql-alive",
        "pytest-postgresql-elsewhere",
        "pytest-postgresql-no-owner",
    ]


# -- a real one ---------------------------------------------------------------------


def test_a_server_starts_on_the_chosen_port_owned_by_us_and_stop_removes_it(
    server: ModuleType, owners: ModuleType
) -> None:
    bin_dir = server_bin_dir()
    if bin_dir is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but there is no PostgreSQL server. {INSTALL_HINT}")
        pytest.skip(INSTALL_HINT)
    port = server.free_port()

    started = server.ThrowawayServer.start(bin_dir, port)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
        owner = owners.owner_in((started.directory / "owner").read_text())
        assert (started.port, started.url.port) == (port, port)
        assert owner is not None
        assert owner.pid == os.getpid()
    finally:
        started.stop()

    assert not started.directory.exists()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
