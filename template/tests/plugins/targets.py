"""Which database a URL reaches, compared by identity rather than by spelling.

The production guard refuses a connection to the database of your environment
however its URL is written: for SQLite the same file is the same device and inode
(or, before it exists, the same resolved path), whether reached through a
relative path, a symlink or a ``file:`` URI; for a server, the same port and
database on a host that resolves to the same addresses (``localhost``,
``127.0.0.1``, ``::1``, the wildcard ``0.0.0.0`` and ``::``, the IPv4-mapped
``::ffff:127.0.0.1`` and a Unix socket are all this machine).

What a PostgreSQL URL leaves out, asyncpg and libpq (psycopg) fill in from
``PGHOST``, ``PGPORT``, ``PGUSER`` and ``PGDATABASE``, then from defaults: this
machine, port 5432, the operating system's user, and a database named after the
user. A DSN given as a connection argument fills in the rest, and any host of a
list may be the one reached. ``postgres_targets`` follows these rules, so
``postgresql+asyncpg://`` with ``PGDATABASE=app`` reaches the database ``app``.

Pure functions of their arguments, the file system and the environment handed
in, so they are tested without a database.
"""

from __future__ import annotations

import functools
import getpass
import ipaddress
import os
import socket
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qs, parse_qsl, unquote, urlsplit

DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306}
THIS_MACHINE = "localhost"
TRUE_VALUES = {"1", "true", "yes", "on"}
POSTGRES_HOST_KEYS = ("hostaddr", "host")
"""libpq connects to ``hostaddr`` when both are given (``host`` then only names it)."""
POSTGRES_DATABASE_KEYS = ("database", "dbname")
POSTGRES_DSN_KEYS = ("dsn", "conninfo")


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
        where = (first.backend, first.port, first.database)
        if where != (second.backend, second.port, second.database):
            return False
        return bool(host_addresses(first.host) & host_addresses(second.host))  # resolves last
    return False


def sqlite_target(database: str | None, *, uri: bool) -> SqliteTarget:
    """The file a SQLite ``database`` argument opens (``uri``: it is a ``file:`` URI)."""
    path = database
    if uri and database and database.startswith("file:"):
        parts = urlsplit(database)
        if parse_qs(parts.query).get("mode") == ["memory"]:
            return SqliteTarget(None)
        path = unquote(parts.path)
    if not path or path == ":memory:":
        return SqliteTarget(None)
    return SqliteTarget(os.path.abspath(path))


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


# -- host names: which machine an address is ----------------------------------


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
        THIS_MACHINE if address in local else address for address in map(canonical, addresses)
    )


def resolve(host: str) -> set[str] | None:
    """The IP addresses of a host name or literal, or None when it does not resolve."""
    try:
        infos = socket.getaddrinfo(host.strip("[]"), None)
    except (OSError, UnicodeError):
        return None
    return {str(info[4][0]).split("%")[0] for info in infos}


def canonical(address: str) -> str:
    """An address as compared: ``::ffff:10.0.0.5`` is the IPv4 address it carries.

    Loopback and the wildcard address, which a client connects to as this
    machine, are ``localhost``.
    """
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    parsed = getattr(parsed, "ipv4_mapped", None) or parsed
    return THIS_MACHINE if parsed.is_loopback or parsed.is_unspecified else str(parsed)


# -- PostgreSQL: what the driver fills in -------------------------------------


def postgres_targets(
    cargs: Sequence[object],
    cparams: Mapping[str, object],
    environ: Mapping[str, str],
    os_users: Iterable[str] | None = None,
) -> list[ServerTarget]:
    """Every database a driver given these arguments may reach, one per host and user."""
    params = merged_params(cargs, cparams)
    hosts = split_hosts(first(params, POSTGRES_HOST_KEYS) or environ.get("PGHOST"))
    ports = split_ports(params.get("port") or environ.get("PGPORT"), len(hosts))
    hosts = [  # a port written into the host wins
        (host, default if port is None else port)
        for (host, port), default in zip(hosts, ports, strict=True)
    ]
    user = params.get("user") or environ.get("PGUSER")
    users = [str(user)] if user else sorted(set(os_users or this_users()))
    named = first(params, POSTGRES_DATABASE_KEYS) or environ.get("PGDATABASE")
    databases = [str(named)] if named else users  # the server's default: the user's name
    return [
        server_target("postgresql", host, port, database)
        for host, port in hosts
        for database in databases
    ]


def merged_params(cargs: Sequence[object], cparams: Mapping[str, object]) -> dict[str, object]:
    """The connection arguments, a DSN's values under those given by name (as the drivers do)."""
    dsn = first(cparams, POSTGRES_DSN_KEYS)
    if dsn is None and cargs and isinstance(cargs[0], str):
        dsn = cargs[0]  # psycopg's positional conninfo
    merged = parse_dsn(str(dsn)) if dsn else {}
    merged.update({key: value for key, value in cparams.items() if value not in (None, "")})
    return merged


def parse_dsn(dsn: str) -> dict[str, object]:
    """A ``postgresql://`` URI or a libpq ``key=value`` string, as connection arguments."""
    if "://" not in dsn:
        words = (word.partition("=") for word in dsn.split())
        return {key.strip(): value.strip().strip("'") for key, sign, value in words if sign}
    parts = urlsplit(dsn)
    found: dict[str, object] = {}
    user, _, location = parts.netloc.rpartition("@")
    if user:
        found["user"] = unquote(user.partition(":")[0])
    if location:
        found["host"] = unquote(location)
    if parts.path.strip("/"):
        found["database"] = unquote(parts.path.lstrip("/"))
    wanted = (*POSTGRES_HOST_KEYS, *POSTGRES_DATABASE_KEYS, "port", "user")
    for key, value in parse_qsl(parts.query):
        if value and key in wanted:
            found.setdefault(key, value)
    return found


def split_hosts(spec: object) -> list[tuple[str, int | None]]:
    """Hosts, each with the port written after it (``host:port``, ``[v6]:port``) if any."""
    if isinstance(spec, (list, tuple)):
        items = [str(item) for item in spec]
    elif spec:
        items = str(spec).split(",")
    else:
        return [(THIS_MACHINE, None)]  # the Unix socket, then localhost: this machine either way
    return [_host_and_port(item.strip()) for item in items] or [(THIS_MACHINE, None)]


def _host_and_port(spec: str) -> tuple[str, int | None]:
    if not spec or spec.startswith("/"):
        return (spec or THIS_MACHINE, None)
    if spec.startswith("["):
        address, _, rest = spec[1:].partition("]")
        return (address, int(rest[1:]) if rest.startswith(":") and rest[1:] else None)
    if spec.count(":") == 1:
        address, _, port = spec.partition(":")
        return (address, int(port) if port else None)
    return (spec, None)  # a bare IPv6 address, or a plain name


def split_ports(spec: object, count: int) -> list[int]:
    """A port for each of ``count`` hosts: a list, a comma-separated string, one for all, 5432."""
    default = DEFAULT_PORTS["postgresql"]
    if isinstance(spec, (list, tuple)):
        ports = [int(str(item)) for item in spec]
    elif spec not in (None, ""):
        ports = [int(item) if item.strip() else default for item in str(spec).split(",")]
    else:
        ports = [default]
    if len(ports) == 1:
        ports *= count
    return (ports + [default] * count)[:count]


def first(params: Mapping[str, object], keys: Sequence[str]) -> object:
    return next((params[key] for key in keys if params.get(key) not in (None, "")), None)


def this_users() -> list[str]:
    """The operating system's user, as asyncpg (login variables) and libpq (uid) each read it."""
    users = set()
    for read in (getpass.getuser, _effective_user):
        try:
            users.add(read())
        except (OSError, KeyError, ImportError, AttributeError):  # no such user; not Unix
            continue
    return sorted(users)


def _effective_user() -> str:
    import pwd  # Unix only

    return pwd.getpwuid(os.geteuid()).pw_name
