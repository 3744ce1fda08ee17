"""Which database a URL reaches, compared by identity rather than by spelling.

The production guard refuses a connection to the database of your environment
however its URL is written: for SQLite the same file is the same device and inode
(or, before it exists, the same resolved path), whether reached through a
relative path, a symlink or a ``file:`` URI; for a server, the same port and
database on a host that resolves to the same addresses (``localhost``,
``127.0.0.1``, ``::1``, the wildcard ``0.0.0.0`` and ``::``, the IPv4-mapped
``::ffff:127.0.0.1`` and a Unix socket are all this machine; ``pg_targets``
fills in what a PostgreSQL URL leaves to the driver's defaults). Pure functions
of their arguments and the file system, so they are tested without a database.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import socket
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306}
THIS_MACHINE = "localhost"
TRUE_VALUES = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class SqliteTarget:
    """A SQLite database file, or ``None`` for an in-memory database."""

    path: str | None

    @property
    def label(self) -> str:
        return f"sqlite:{self.path}" if self.path else "sqlite::memory:"

    def identities(self) -> set[tuple[object, ...]]:
        """The resolved path, and the device and inode once the file exists."""
        if self.path is None:
            return set()  # every in-memory database is private to its connection
        found: set[tuple[object, ...]] = {("path", os.path.realpath(self.path))}
        try:
            status = os.stat(self.path)
        except OSError:
            return found
        found.add(("inode", status.st_dev, status.st_ino))
        return found


@dataclass(frozen=True)
class ServerTarget:
    """A database on a server: backend, host, port (default filled in) and name."""

    backend: str
    host: str
    port: int | None
    database: str | None

    @property
    def label(self) -> str:
        host = f"[{self.host}]" if ":" in self.host and not self.host.startswith("/") else self.host
        return f"{self.backend}://{host}:{self.port}/{self.database}"


Target = SqliteTarget | ServerTarget


def same_database(first: Target, second: Target) -> bool:
    """Whether two targets reach one database, however each was spelled."""
    if isinstance(first, SqliteTarget) and isinstance(second, SqliteTarget):
        return bool(first.identities() & second.identities())
    if isinstance(first, ServerTarget) and isinstance(second, ServerTarget):
        if first.backend != second.backend or first.port != second.port:
            return False
        if first.database != second.database:
            return False
        return bool(host_addresses(first.host) & host_addresses(second.host))  # resolves last
    return False


def sqlite_target(database: str | None, *, uri: bool) -> SqliteTarget:
    """The file a SQLite ``database`` argument opens (``uri``: it is a ``file:`` URI)."""
    if uri and database and database.startswith("file:"):
        parts = urlsplit(database)
        options = parse_qs(parts.query)
        path = unquote(parts.path)
        if options.get("mode") == ["memory"] or path in ("", ":memory:"):
            return SqliteTarget(None)
        return SqliteTarget(os.path.abspath(path))
    if not database or database == ":memory:":
        return SqliteTarget(None)
    return SqliteTarget(os.path.abspath(database))


def is_uri(flag: object) -> bool:
    """SQLite's ``uri`` option, as a URL query string or a driver argument."""
    if isinstance(flag, (list, tuple)):
        flag = flag[-1] if flag else None
    return flag is True or str(flag).lower() in TRUE_VALUES


def server_target(backend: str, host: object, port: object, database: object) -> ServerTarget:
    """A server database with the defaults a driver fills in (no host: localhost)."""
    if isinstance(host, (list, tuple)):  # asyncpg accepts several hosts; the first is tried
        host = host[0] if host else None
    name = THIS_MACHINE if host in (None, "") else str(host).lower()
    number = DEFAULT_PORTS.get(backend) if port in (None, "") else int(str(port))
    return ServerTarget(backend, name, number, None if database is None else str(database))


@functools.lru_cache(maxsize=64)
def host_addresses(host: str) -> frozenset[str]:
    """The addresses a host name resolves to; this machine's loopback and sockets as one."""
    if host == THIS_MACHINE or host.startswith("/"):  # localhost, or a Unix socket directory
        return frozenset({THIS_MACHINE})
    addresses = resolve(host)
    if addresses is None:
        return frozenset({host})
    local = {canonical(address) for address in resolve(socket.gethostname()) or set()}
    return frozenset(
        THIS_MACHINE if address in local or is_this_machine(address) else address
        for address in map(canonical, addresses)
    )


def resolve(host: str) -> set[str] | None:
    """The IP addresses of a host name or literal, or None when it does not resolve."""
    try:
        infos = socket.getaddrinfo(host.strip("[]"), None)
    except (OSError, UnicodeError):
        return None
    return {str(info[4][0]).split("%")[0] for info in infos}


def canonical(address: str) -> str:
    """An IPv4-mapped IPv6 address (``::ffff:10.0.0.5``) as the IPv4 address it carries."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    mapped = getattr(parsed, "ipv4_mapped", None)
    return str(mapped or parsed)


def is_this_machine(address: str) -> bool:
    """Loopback, or the wildcard address, which a client connects to as this machine."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return parsed.is_loopback or parsed.is_unspecified
