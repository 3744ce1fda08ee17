"""Where the application's database is, where this process's test database is, and who makes it.

What the suite must never reach is the database the application uses when the
run starts; the answers (``answers.py``) say how to find it:

- the reference backend (``BACKEND = "reference"``) reads ``DATABASE_URL``.
  ``seams`` calls ``point_at_test_database()`` before it imports the
  application, so whatever the application builds from the variable (an engine
  made at import, a CLI subprocess) is built on the test database. The value it
  had is kept for the production guard, which refuses it, and put back at the
  end; xdist workers inherit the rewritten variable, so the value travels to
  them in ``ORIGINAL_URL_ENV``.
- an adopted backend (``"existing"``) keeps its environment as it was, so its
  own tests see the project as before. The suite's tests send the engine behind
  ``session_import`` to the test database (``binding``); the subprocesses it
  starts get the test database in ``DATABASE_URL_ENV`` (if you named one), and
  every connection they would make to your database is sent to the test
  database (``connections``). What is protected is what your application
  really reaches: the URL its sessions are bound to (read by ``seams.check``
  at start-up) and the variable's value.

The test database's location comes from the provider the ``database`` answer
names (``<database>_provider``); ``database`` drives that provider.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

import pytest

from .answers import BACKEND, DATABASE, DATABASE_URL_ENV

if TYPE_CHECKING:  # SQLAlchemy: imported when a test first needs a database
    from sqlalchemy.engine import URL
    from sqlalchemy.ext.asyncio import AsyncEngine

    from .provisioning import DatabaseProvider

REWRITES_VARIABLE = BACKEND == "reference"
"""The suite points the variable at the test database (its own backend), or leaves it alone."""
ORIGINAL_URL_ENV = "PYTEST_PYRAMID_ORIGINAL_DATABASE_URL"
UNSET = ""
REBIND_MODULE = "tests.plugins.connections"
UNKNOWN_DATABASE_MESSAGE = (
    "database = {database!r} in tests/plugins/answers.py: the suite has no provider for it "
    "(no tests/plugins/{database}_provider.py). This copy has one for: {known}. "
    "Answer one of them: copier update --data database={first}"
)


class ProviderModule(Protocol):
    """What a ``<database>_provider`` module offers (``sqlite_provider``...)."""

    def add_options(self, parser: pytest.Parser) -> None: ...
    def configure_test_engine(self, engine: AsyncEngine, config: pytest.Config) -> None: ...
    def location_for_this_process(self, original_url: str | None) -> str: ...
    def provider_for_this_run(self, original_url: str | None) -> DatabaseProvider: ...


@dataclass
class Databases:
    """The application's database as found at start-up, and this process's test database."""

    variable_value: str | None
    """The variable's value when the run started (the xdist controller's, in a worker)."""
    inherited: bool = False
    """The value came from the xdist controller in ``ORIGINAL_URL_ENV`` (reference backend)."""
    application_url: str | None = None
    """Where ``session_import``'s sessions are bound (adopted backends)."""
    test_url: str | None = None
    """This process's test database, as a URL string (made on first use)."""
    rewritten: bool = False


_databases: Databases | None = None


def provider_module(database: str = DATABASE) -> ProviderModule:
    """The module that makes ``database``'s test databases; an unknown one is a usage error."""
    name = f"{__package__}.{database}_provider"
    if not database.isidentifier() or importlib.util.find_spec(name) is None:
        known = sorted(
            path.name.removesuffix("_provider.py")
            for path in Path(__file__).parent.glob("*_provider.py")
        )
        raise pytest.UsageError(
            UNKNOWN_DATABASE_MESSAGE.format(
                database=database, known=", ".join(known) or "none", first=(known or ["sqlite"])[0]
            )
        )
    return cast(ProviderModule, importlib.import_module(name))


def point_at_test_database() -> None:
    """Reference backend: set the variable to this process's test database (once)."""
    if not REWRITES_VARIABLE:
        return  # an adopted project's environment stays as it was
    databases = found()
    if databases.rewritten or DATABASE_URL_ENV is None:
        return
    try:
        rendered = test_database_location()
    except pytest.UsageError:
        return  # an unknown database: database.pytest_configure stops the run with it
    os.environ[ORIGINAL_URL_ENV] = databases.variable_value or UNSET
    os.environ[DATABASE_URL_ENV] = rendered
    databases.rewritten = True


def remember_application_url(url: URL | None) -> None:
    """Adopted backend: what ``session_import``'s sessions are bound to (``seams.check``)."""
    if url is not None:
        found().application_url = url.render_as_string(hide_password=False)


def original_database_url() -> str | None:
    """The application's database: where its sessions are bound, else the variable's value."""
    databases = found()
    return databases.application_url or databases.variable_value


def protected_database_urls() -> list[str]:
    """Every URL of the application's database the suite's tests must never reach.

    An adopted backend's variable counts too, unless it names no database while
    the URL of its sessions is known: then it is a server URL the code adds a
    database name to (and its tests may make their own databases beside it).
    """
    databases = found()
    if REWRITES_VARIABLE:
        return [databases.variable_value] if databases.variable_value else []
    urls = [databases.application_url]
    value = databases.variable_value
    if value and (databases.application_url is None or names_a_database(value)):
        urls.append(value)
    return [absolute(url) for url in dict.fromkeys(urls) if url]


def test_database_location() -> str:
    """This process's test database as a URL string (its folder or name chosen once).

    A string, so that pointing the variable at it at start-up needs no SQLAlchemy:
    a run of unit tests that never touch a database never loads it.
    """
    databases = found()
    if databases.test_url is None:
        location = provider_module().location_for_this_process
        databases.test_url = location(original_database_url())
    return databases.test_url


def current_test_database_url() -> URL:
    """This process's test database (made on first use)."""
    from sqlalchemy.engine import make_url

    return make_url(test_database_location())


def subprocess_environment(url: URL) -> dict[str, str]:
    """The environment of a subprocess the suite starts to work on ``url``.

    The variable names ``url``; for an adopted backend, ``connections`` (the
    subprocess's entry point, see ``python_command``) also sends connections to
    the application's database to ``url``.
    """
    rendered = url.render_as_string(hide_password=False)
    named = {DATABASE_URL_ENV: rendered} if DATABASE_URL_ENV else {}
    if REWRITES_VARIABLE:
        return {**os.environ, **named}
    from .connections import PROTECTED_URLS_ENV, TEST_URL_ENV

    return {
        **os.environ,
        **named,
        TEST_URL_ENV: rendered,
        PROTECTED_URLS_ENV: json.dumps(protected_database_urls()),
    }


def python_command(arguments: list[str]) -> list[str]:
    """This Python running ``arguments`` (``-m module ...``, ``-c code``); via ``connections``
    for an adopted backend."""
    if REWRITES_VARIABLE:
        return [sys.executable, *arguments]
    return [sys.executable, "-m", REBIND_MODULE, *arguments]


def restore_environment() -> None:
    """Put the variable back as it was (at the end of the run), if the suite changed it."""
    databases = found()
    if not databases.rewritten or DATABASE_URL_ENV is None:
        return
    if databases.variable_value is None:
        os.environ.pop(DATABASE_URL_ENV, None)
    else:
        os.environ[DATABASE_URL_ENV] = databases.variable_value
    if not databases.inherited:
        os.environ.pop(ORIGINAL_URL_ENV, None)
    databases.rewritten = False


def found() -> Databases:
    """What the environment held when the suite first looked (read once per process)."""
    global _databases
    if _databases is None:
        value = os.environ.get(DATABASE_URL_ENV) if DATABASE_URL_ENV else None
        inherited = os.environ.get(ORIGINAL_URL_ENV) if REWRITES_VARIABLE else None
        if inherited is not None:
            value = inherited or None
        _databases = Databases(value, inherited=inherited is not None)
    return _databases


def names_a_database(raw: str) -> bool:
    from sqlalchemy.engine import make_url

    try:
        return bool(make_url(raw).database)
    except Exception:  # an unparsable URL: kept, the guard decides what it reaches
        return True


def absolute(raw: str) -> str:
    """A SQLite URL with its file made absolute (a subprocess may start elsewhere)."""
    from sqlalchemy.engine import make_url

    try:
        url = make_url(raw)
    except Exception:  # an unparsable URL cannot be connected to anyway
        return raw
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return raw
    if url.database.startswith("file:"):
        return raw
    return url.set(database=os.path.abspath(url.database)).render_as_string(hide_password=False)
