"""The production guard compares databases by identity: no spelling of a URL gets through.

``template/tests/plugins/targets.py`` is plain Python with no Jinja and no database
driver, so these tests import it straight from the template and run in-process.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from harness.plugin_modules import load_plugin

FAKE_DNS = {
    "db.example": ["10.0.0.5"],
    "db-alias.example": ["10.0.0.5", "10.0.0.9"],
    "other.example": ["10.0.0.6"],
}


@pytest.fixture(scope="module")
def targets() -> ModuleType:
    return load_plugin("targets")


@pytest.fixture
def fake_dns(targets: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    """Host names resolve from FAKE_DNS; literal addresses and localhost as usual."""
    real = socket.getaddrinfo

    def getaddrinfo(host: str, *args: Any, **kwargs: Any) -> list[Any]:
        if host in FAKE_DNS:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, 0)) for a in FAKE_DNS[host]]
        if host.endswith(".example"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(targets.socket, "getaddrinfo", getaddrinfo)
    targets.host_addresses.cache_clear()


# -- SQLite: the same file, whatever the path --------------------------------


def sqlite_file(path: Path) -> Path:
    path.write_bytes(b"SQLite format 3\x00")
    return path


def test_relative_and_absolute_paths_of_one_file_are_the_same_database(
    targets: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    production = sqlite_file(tmp_path / "production.db")
    monkeypatch.chdir(tmp_path / "..")

    relative = targets.sqlite_target(f"{tmp_path.name}/./production.db", uri=False)

    assert targets.same_database(relative, targets.sqlite_target(str(production), uri=False))


def test_a_symlink_to_the_file_is_the_same_database(targets: ModuleType, tmp_path: Path) -> None:
    production = sqlite_file(tmp_path / "production.db")
    (tmp_path / "alias.db").symlink_to(production)

    alias = targets.sqlite_target(str(tmp_path / "alias.db"), uri=False)

    assert targets.same_database(alias, targets.sqlite_target(str(production), uri=False))
    assert alias.label == f"sqlite:{tmp_path / 'alias.db'}"


def test_a_hard_link_to_the_file_is_the_same_database(targets: ModuleType, tmp_path: Path) -> None:
    production = sqlite_file(tmp_path / "production.db")
    os.link(production, tmp_path / "hard.db")

    hard = targets.sqlite_target(str(tmp_path / "hard.db"), uri=False)

    assert targets.same_database(hard, targets.sqlite_target(str(production), uri=False))


def test_a_file_that_does_not_exist_yet_is_compared_by_its_resolved_path(
    targets: ModuleType, tmp_path: Path
) -> None:
    protected = targets.sqlite_target(str(tmp_path / "later.db"), uri=False)
    (tmp_path / "dangling.db").symlink_to(tmp_path / "later.db")

    dangling = targets.sqlite_target(str(tmp_path / "dangling.db"), uri=False)
    assert targets.same_database(dangling, protected)
    sqlite_file(tmp_path / "later.db")  # created after the guard described it
    assert targets.same_database(dangling, protected)


@pytest.mark.parametrize(
    "spelling",
    [
        pytest.param("file:{path}?mode=rw", id="file-colon-path"),
        pytest.param("file://{path}", id="file-triple-slash"),
        pytest.param("file://localhost{path}?cache=shared", id="file-localhost"),
        pytest.param("file:{quoted}", id="percent-encoded"),
    ],
)
def test_sqlite_uri_spellings_reach_the_same_file(
    targets: ModuleType, tmp_path: Path, spelling: str
) -> None:
    production = sqlite_file(tmp_path / "prod data.db")
    uri = spelling.format(path=production, quoted=str(production).replace(" ", "%20"))

    target = targets.sqlite_target(uri, uri=True)

    assert targets.same_database(target, targets.sqlite_target(str(production), uri=False))
    assert target.label == f"sqlite:{production}"


def test_a_file_colon_name_without_the_uri_flag_is_a_file_of_that_name(
    targets: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    production = sqlite_file(tmp_path / "production.db")

    literal = targets.sqlite_target("file:production.db", uri=False)

    assert literal.path == str(tmp_path / "file:production.db")
    assert not targets.same_database(literal, targets.sqlite_target(str(production), uri=False))


@pytest.mark.parametrize(
    ("database", "uri"),
    [
        (None, False),
        (":memory:", False),
        ("", False),
        ("file::memory:?cache=shared", True),
        ("file:shared?mode=memory&cache=shared", True),
    ],
)
def test_in_memory_databases_are_never_the_protected_one(
    targets: ModuleType, database: str | None, uri: bool
) -> None:
    memory = targets.sqlite_target(database, uri=uri)

    assert memory.path is None
    assert not targets.same_database(memory, targets.sqlite_target(database, uri=uri))


def test_two_different_files_are_different_databases(targets: ModuleType, tmp_path: Path) -> None:
    first = sqlite_file(tmp_path / "first.db")
    second = sqlite_file(tmp_path / "second.db")

    assert not targets.same_database(
        targets.sqlite_target(str(first), uri=False), targets.sqlite_target(str(second), uri=False)
    )


@pytest.mark.parametrize(
    ("flag", "expected"),
    [("true", True), ("1", True), (["true"], True), (True, True), (None, False), ("false", False)],
)
def test_uri_flag_is_read_from_a_query_string_or_a_driver_argument(
    targets: ModuleType, flag: object, expected: bool
) -> None:
    assert targets.is_uri(flag) is expected


# -- servers: the same host, port and database --------------------------------


@pytest.mark.parametrize(
    "host", ["localhost", "LOCALHOST", "127.0.0.1", "::1", "[::1]", None, "", "/var/run/postgresql"]
)
def test_every_spelling_of_this_machine_reaches_the_same_server(
    targets: ModuleType, host: str | None
) -> None:
    spelled = targets.server_target("postgresql", host, None, "music_library")

    assert targets.same_database(
        spelled, targets.server_target("postgresql", "localhost", 5432, "music_library")
    )


@pytest.mark.usefixtures("fake_dns")
def test_host_names_are_compared_by_the_addresses_they_resolve_to(targets: ModuleType) -> None:
    production = targets.server_target("postgresql", "db.example", "5432", "app")

    assert targets.same_database(
        targets.server_target("postgresql", "db-alias.example", 5432, "app"), production
    )
    assert targets.same_database(
        targets.server_target("postgresql", "10.0.0.5", None, "app"), production
    )
    assert not targets.same_database(
        targets.server_target("postgresql", "other.example", 5432, "app"), production
    )


@pytest.mark.usefixtures("fake_dns")
def test_an_unresolvable_host_is_compared_by_name(targets: ModuleType) -> None:
    gone = targets.server_target("postgresql", "Gone.example", 5432, "app")

    assert targets.same_database(
        targets.server_target("postgresql", "gone.example", 5432, "app"), gone
    )
    assert not targets.same_database(
        targets.server_target("postgresql", "lost.example", 5432, "app"), gone
    )


@pytest.mark.parametrize(
    ("port", "database"),
    [
        pytest.param(5433, "music_library", id="other-port"),
        pytest.param(5432, "other", id="other-db"),
    ],
)
def test_another_port_or_database_on_the_same_host_is_another_database(
    targets: ModuleType, port: int, database: str
) -> None:
    production = targets.server_target("postgresql", "localhost", None, "music_library")

    assert not targets.same_database(
        targets.server_target("postgresql", "127.0.0.1", port, database), production
    )


def test_a_sqlite_file_and_a_server_database_are_never_the_same(
    targets: ModuleType, tmp_path: Path
) -> None:
    assert not targets.same_database(
        targets.sqlite_target(str(tmp_path / "music_library"), uri=False),
        targets.server_target("postgresql", "localhost", 5432, "music_library"),
    )


def test_labels_name_the_database_as_the_message_shows_it(targets: ModuleType) -> None:
    target = targets.server_target("postgresql", "LocalHost", None, "music_library")

    assert target.label == "postgresql://localhost:5432/music_library"
    assert targets.server_target("postgresql", None, 5433, "x").label == (
        "postgresql://localhost:5433/x"
    )


# -- PostgreSQL: what the driver fills in (issue #23, point 3) ----------------
# asyncpg and libpq connect to what a URL leaves out as PGHOST, PGPORT, PGUSER,
# PGDATABASE say, else to this machine, port 5432 and a database named after the
# user; the guard resolves the same way before it compares.

PROTECTED = ("localhost", 5432, "app")


def reaches_protected(
    targets: ModuleType,
    cparams: dict[str, object],
    environ: dict[str, str] | None = None,
    cargs: tuple[object, ...] = (),
) -> bool:
    protected = targets.server_target("postgresql", *PROTECTED)
    reached = targets.postgres_targets(list(cargs), cparams, environ or {}, ["runner"])
    return any(targets.same_database(target, protected) for target in reached)


@pytest.mark.parametrize(
    "host",
    [
        pytest.param("0.0.0.0", id="ipv4-wildcard"),
        pytest.param("::", id="ipv6-wildcard"),
        pytest.param("::ffff:127.0.0.1", id="ipv4-mapped-loopback"),
        pytest.param("::ffff:7f00:1", id="ipv4-mapped-hex"),
        pytest.param("127.0.0.2", id="loopback-range"),
    ],
)
def test_wildcard_and_mapped_addresses_are_this_machine(targets: ModuleType, host: str) -> None:
    assert reaches_protected(targets, {"host": host, "database": "app"})


@pytest.mark.usefixtures("fake_dns")
def test_an_ipv4_mapped_address_is_the_ipv4_address_it_carries(targets: ModuleType) -> None:
    production = targets.server_target("postgresql", "db.example", 5432, "app")

    assert targets.same_database(
        targets.server_target("postgresql", "::ffff:10.0.0.5", 5432, "app"), production
    )
    assert not targets.same_database(
        targets.server_target("postgresql", "::ffff:10.0.0.6", 5432, "app"), production
    )


@pytest.mark.parametrize(
    ("cparams", "environ"),
    [
        pytest.param({"user": "app"}, {}, id="no-database-means-the-users-name"),
        pytest.param({}, {"PGUSER": "app"}, id="pguser-names-the-default-database"),
        pytest.param({"user": "someone"}, {"PGDATABASE": "app"}, id="pgdatabase"),
        pytest.param(
            {"database": "app"},
            {"PGHOST": "/var/run/postgresql", "PGPORT": "5432"},
            id="pghost-unix-socket-and-pgport",
        ),
        pytest.param({"database": "app", "port": 5432}, {"PGHOST": "0.0.0.0"}, id="pghost-0.0.0.0"),
        pytest.param({}, {"PGHOST": "127.0.0.1:5432", "PGDATABASE": "app"}, id="pghost-with-port"),
    ],
)
def test_what_the_url_leaves_out_comes_from_the_pg_variables_and_defaults(
    targets: ModuleType,
    cparams: dict[str, object],
    environ: dict[str, str],
) -> None:
    assert reaches_protected(targets, cparams, environ)


def test_the_operating_system_user_names_the_default_database(targets: ModuleType) -> None:
    reached = targets.postgres_targets([], {}, {}, ["app", "root"])

    assert [target.label for target in reached] == [
        "postgresql://localhost:5432/app",
        "postgresql://localhost:5432/root",
    ]
    assert targets.this_users()  # read from the login variables and the uid


@pytest.mark.parametrize(
    ("cparams", "environ"),
    [
        pytest.param({"database": "other"}, {"PGDATABASE": "app"}, id="url-database-wins"),
        pytest.param(
            {"host": "10.0.0.7", "database": "app"}, {"PGHOST": "localhost"}, id="url-host-wins"
        ),
        pytest.param({"port": 5433, "database": "app"}, {"PGPORT": "5432"}, id="url-port-wins"),
        pytest.param({"user": "app"}, {"PGDATABASE": "other"}, id="pgdatabase-before-user"),
        pytest.param({}, {"PGPORT": "5433", "PGDATABASE": "app"}, id="pgport-elsewhere"),
    ],
)
def test_what_the_url_says_is_not_overridden_by_the_environment(
    targets: ModuleType,
    cparams: dict[str, object],
    environ: dict[str, str],
) -> None:
    assert not reaches_protected(targets, cparams, environ)


def test_any_host_of_a_multi_host_url_may_be_the_one_reached(targets: ModuleType) -> None:
    asyncpg_style = {
        "host": ["nowhere.invalid", "127.0.0.1"],
        "port": [5432, 5432],
        "database": "app",
    }
    libpq_style = {"host": "nowhere.invalid,localhost", "port": "6000,5432", "dbname": "app"}

    assert reaches_protected(targets, asyncpg_style)
    assert reaches_protected(targets, libpq_style)
    assert not reaches_protected(targets, {**libpq_style, "port": "6000,6001"})


@pytest.mark.parametrize(
    ("cargs", "cparams"),
    [
        pytest.param((), {"dsn": "postgresql://u@0.0.0.0:5432/app"}, id="asyncpg-dsn"),
        pytest.param((), {"dsn": "postgresql:///app?host=/tmp"}, id="dsn-query-host"),
        pytest.param(("host=127.0.0.1 dbname=app",), {}, id="libpq-conninfo"),
        pytest.param((), {"dsn": "postgresql://h.invalid/x", "host": "::1", "database": "app"},
                     id="arguments-override-the-dsn"),
        pytest.param((), {"host": "db.invalid", "hostaddr": "127.0.0.1", "dbname": "app"},
                     id="hostaddr-is-where-libpq-connects"),
    ],
)  # fmt: skip
def test_a_dsn_or_conninfo_in_the_connection_arguments_is_read_too(
    targets: ModuleType,
    cargs: tuple[object, ...],
    cparams: dict[str, object],
) -> None:
    assert reaches_protected(targets, cparams, cargs=cargs)


def test_a_database_elsewhere_is_not_refused(targets: ModuleType) -> None:
    assert not reaches_protected(targets, {"host": "192.0.2.1", "dbname": "app"})
    assert not reaches_protected(targets, {"dsn": "postgresql://u@localhost/other"})


def test_ipv6_labels_are_bracketed(targets: ModuleType) -> None:
    assert targets.server_target("postgresql", "::", 5432, "app").label == (
        "postgresql://[::]:5432/app"
    )
