"""Which database a connection is about to reach, and how to send it to the test database instead.

Every SQLAlchemy engine passes a new DBAPI connection through the ``do_connect``
event with the arguments its driver is about to use. ``connect_targets`` reads
the database from them (``targets``: identity, not spelling), and
``redirect`` rewrites them in place to reach another URL with the same driver
(SQLAlchemy hands each connection its own copy of the arguments).

Run as ``python -m tests.plugins.connections -m module ...`` (or ``-c code``),
this module is the entry point of the subprocesses an adopted suite starts
(Alembic): every connection they make to a database listed in
``PROTECTED_URLS_ENV`` goes to ``TEST_URL_ENV`` instead, so an ``env.py`` that
hard-codes its URL, or builds it from several variables, migrates the test
database and never yours.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import URL, Dialect, make_url

from .targets import (
    Target,
    is_uri,
    postgres_targets,
    same_database,
    server_target,
    sqlite_target,
)

TEST_URL_ENV = "PYTEST_PYRAMID_TEST_DATABASE_URL"
PROTECTED_URLS_ENV = "PYTEST_PYRAMID_PROTECTED_DATABASE_URLS"
DATABASE_PARAMETERS = ("database", "dbname", "db")
USAGE = "usage: python -m tests.plugins.connections (-m module | -c code) [arguments...]"


def url_targets(url: URL) -> list[Target]:
    """Every database a URL may reach: on PostgreSQL, with the driver's defaults filled in."""
    if url.get_backend_name() != "postgresql":
        return [url_target(url)]
    params: dict[str, object] = dict(url.translate_connect_args(username="user"))
    params.update(url.query)
    return list(postgres_targets([], params, os.environ))


def url_target(url: URL) -> Target:
    """The database a URL reaches (see ``targets``: identity, not spelling)."""
    if url.get_backend_name() == "sqlite":
        query = dict(url.query)
        uri = is_uri(query.pop("uri", None))
        database = url.database
        if uri and database and query:  # what SQLAlchemy hands sqlite3 with uri=true
            database += "?" + "&".join(f"{key}={value}" for key, value in query.items())
        return sqlite_target(database, uri=uri)
    host = url.host or url.query.get("host")
    return server_target(url.get_backend_name(), host, url.port, url.database)


def connect_targets(dialect: Dialect, cargs: list[Any], cparams: dict[str, Any]) -> list[Target]:
    """The same, from the arguments a driver is about to connect with (read at that moment)."""
    if dialect.name == "sqlite":
        database = cargs[0] if cargs else cparams.get("database")
        uri = is_uri(cparams.get("uri"))
        return [sqlite_target(None if database is None else str(database), uri=uri)]
    if dialect.name == "postgresql":
        return list(postgres_targets(cargs, cparams, os.environ))
    host, port = cparams.get("host"), cparams.get("port")
    return [server_target(dialect.name, host, port, database_of(cparams))]


def database_of(cparams: dict[str, Any]) -> object:
    """The database a server driver is asked for, under any of the drivers' names for it.

    ``database`` (asyncpg, most), ``dbname`` (libpq), ``db`` (aiomysql, MySQLdb): a
    driver with yet another name would have its connections reach no known target,
    and the production guard would never fire for it, so add the name here.
    """
    return next((cparams[key] for key in DATABASE_PARAMETERS if cparams.get(key) is not None), None)


def targets_of(urls: Sequence[str]) -> list[Target]:
    """The databases these URLs reach; an unparsable URL cannot be connected to anyway."""
    found: list[Target] = []
    for raw in urls:
        try:
            found.extend(url_targets(make_url(raw)))
        except Exception:
            continue
    return found


def redirect(dialect: Dialect, cargs: list[Any], cparams: dict[str, Any], url: URL) -> None:
    """Make ``cargs``/``cparams`` reach ``url`` with the connecting engine's own driver.

    The engine's other connect arguments (timeouts, SSL, ``check_same_thread``)
    are kept; where the database is comes from ``url``.
    """
    new_cargs, new_cparams = dialect.create_connect_args(url)
    cargs[:] = list(new_cargs)
    for key in ("host", "port", "database", "dbname", "user", "password", "uri"):
        cparams.pop(key, None)
    cparams.update(new_cparams)


class SubprocessRedirect:
    """Sends every connection to a protected database to the test database (a subprocess's)."""

    def __init__(self, test_url: URL, protected: list[Target]) -> None:
        self.test_url = test_url
        self.protected = protected

    def install(self) -> None:
        event.listen(Engine, "do_connect", self.on_do_connect)

    def on_do_connect(
        self, dialect: Dialect, _record: Any, cargs: list[Any], cparams: dict[str, Any]
    ) -> None:
        targets = connect_targets(dialect, cargs, cparams)
        if any(same_database(target, known) for target in targets for known in self.protected):
            redirect(dialect, cargs, cparams, self.test_url)


def main(argv: list[str]) -> None:
    """Install the redirect from the environment, then run ``-m module`` or ``-c code``."""
    if len(argv) < 2 or argv[0] not in ("-m", "-c"):
        raise SystemExit(USAGE)
    raw_url = os.environ.get(TEST_URL_ENV)
    if raw_url:
        protected = targets_of(json.loads(os.environ.get(PROTECTED_URLS_ENV) or "[]"))
        SubprocessRedirect(make_url(raw_url), protected).install()
    flag, target, *arguments = argv
    if flag == "-m":
        sys.argv = [target, *arguments]
        runpy.run_module(target, run_name="__main__", alter_sys=True)
    else:
        sys.argv = ["-c", *arguments]
        exec(compile(target, "<string>", "exec"), {"__name__": "__main__"})


if __name__ == "__main__":
    main(sys.argv[1:])
