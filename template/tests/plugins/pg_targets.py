"""Where a PostgreSQL driver connects when a URL leaves something out.

asyncpg and libpq (psycopg) fill what a URL does not say from ``PGHOST``,
``PGPORT``, ``PGUSER`` and ``PGDATABASE``, then from defaults: the Unix socket
(or ``localhost``), port 5432, the operating system's user, and a database named
after the user. A DSN given as a connection argument fills in the rest, and a
list of hosts is tried in order, so any of them may be the one reached. The
production guard compares what these rules give, not what the URL spells:
``postgresql+asyncpg://`` with ``PGDATABASE=app`` reaches the database ``app``.
Pure functions of their arguments and the environment handed in.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import parse_qsl, unquote, urlsplit

from .targets import THIS_MACHINE, ServerTarget, server_target

DEFAULT_PORT = 5432
ENVIRONMENT = {"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "database": "PGDATABASE"}
HOST_KEYS = ("hostaddr", "host")
"""libpq connects to ``hostaddr`` when both are given (``host`` then only names it)."""
DATABASE_KEYS = ("database", "dbname")
DSN_KEYS = ("dsn", "conninfo")


def postgres_targets(
    cargs: Sequence[object],
    cparams: Mapping[str, object],
    environ: Mapping[str, str],
    os_users: Iterable[str] | None = None,
) -> list[ServerTarget]:
    """Every database a driver given these arguments may reach, one per host and user."""
    params = merged_params(cargs, cparams)
    hosts = split_hosts(first(params, HOST_KEYS) or environ.get(ENVIRONMENT["host"]))
    ports = split_ports(params.get("port") or environ.get(ENVIRONMENT["port"]), len(hosts))
    for index, (_host, port) in enumerate(hosts):  # a port written into the host wins
        if port is None:
            hosts[index] = (hosts[index][0], ports[index])
    users = [str(params["user"])] if params.get("user") else None
    if users is None:
        users = [environ[ENVIRONMENT["user"]]] if environ.get(ENVIRONMENT["user"]) else None
    if users is None:
        users = sorted(set(os_users if os_users is not None else this_users()))
    named = first(params, DATABASE_KEYS) or environ.get(ENVIRONMENT["database"])
    databases = [str(named)] if named else users  # the server's default: the user's name
    return [
        server_target("postgresql", host, port, database)
        for host, port in hosts
        for database in databases
    ]


def merged_params(cargs: Sequence[object], cparams: Mapping[str, object]) -> dict[str, object]:
    """The connection arguments, a DSN's values under those given by name (as the drivers do)."""
    dsn = next((cparams[key] for key in DSN_KEYS if cparams.get(key)), None)
    if dsn is None and cargs and isinstance(cargs[0], str):
        dsn = cargs[0]  # psycopg's positional conninfo
    merged = parse_dsn(str(dsn)) if dsn else {}
    merged.update({key: value for key, value in cparams.items() if value not in (None, "")})
    return merged


def parse_dsn(dsn: str) -> dict[str, object]:
    """A ``postgresql://`` URI or a libpq ``key=value`` string, as connection arguments."""
    if "://" not in dsn:
        return dict(_key_values(dsn))
    parts = urlsplit(dsn)
    found: dict[str, object] = {}
    location = parts.netloc.rpartition("@")
    if location[0]:
        found["user"] = unquote(location[0].partition(":")[0])
    if location[2]:
        found["host"] = unquote(location[2])
    if parts.path.strip("/"):
        found["database"] = unquote(parts.path.lstrip("/"))
    for key, value in parse_qsl(parts.query):
        if value and (key in HOST_KEYS or key in DATABASE_KEYS or key in ("port", "user")):
            found.setdefault(key, value)
    return found


def _key_values(conninfo: str) -> Iterable[tuple[str, str]]:
    for word in conninfo.split():
        key, sign, value = word.partition("=")
        if sign:
            yield key.strip(), value.strip().strip("'")


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
    """One port per host: a list, a comma-separated string, one for all, or 5432."""
    if isinstance(spec, (list, tuple)):
        ports = [int(str(item)) for item in spec]
    elif spec not in (None, ""):
        ports = [int(item) if item.strip() else DEFAULT_PORT for item in str(spec).split(",")]
    else:
        ports = [DEFAULT_PORT]
    if len(ports) == 1:
        ports *= count
    return ports + [DEFAULT_PORT] * (count - len(ports))


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
