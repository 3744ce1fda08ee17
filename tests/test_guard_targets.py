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
