"""The process environment: where the application's database is, and what workers inherit.

What the suite must never reach is the database the application uses when the
run starts; the answers (``answers.py``) say how to find it:

- the reference backend (``BACKEND = "reference"``) reads ``DATABASE_URL``.
  When pytest registers ``database``, it points the variable at this process's
  test database (``point_at_test_database``), so whatever the application builds
  from it (its engine, a CLI subprocess) is built on the test database. The
  value it had is kept for the production guard, which refuses it, and put
  back at the end of the run.
- an adopted backend (``"existing"``) keeps its environment as it was, so its
  own tests see the project as before. The suite's tests send the engine behind
  ``session_import`` to the test database (``binding``); the subprocesses it
  starts get the test database in ``DATABASE_URL_ENV`` (if you named one), and
  every connection they would make to your database is sent to the test
  database (``connections``). What is protected is what your application
  really reaches: the URL its sessions are bound to (read by ``seams.check``
  at start-up) and the variable's value.

What the run's first process hands to its xdist workers
-------------------------------------------------------
Workers inherit the environment of the process that starts them, so everything
they must share with it travels in one variable, ``PYTEST_PYRAMID_RUN`` (JSON),
written and read only through the functions of the next section (``hand_down``,
``handed_down``, ``inherited_or_chosen``, ``forget``):

==========================  ====================================================
``run_folder``              the run's folder: the template database's outcome,
                            its lock, scratch files (``database.run_folder``)
``original_database_url``   the variable's value before the suite pointed it at
                            the test database (reference backend; ``null``: unset)
``postgres_run``            the prefix of the run's PostgreSQL database names
``postgres_port``           the port of the run's throwaway PostgreSQL server
==========================  ====================================================

The process that wrote a key removes it at the end of the run (``forget``).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .answers import BACKEND, DATABASE_URL_ENV

if TYPE_CHECKING:  # SQLAlchemy: imported when a test first needs a database
    from sqlalchemy.engine import URL

REWRITES_VARIABLE = BACKEND == "reference"
"""The suite points the variable at the test database (its own backend), or leaves it alone."""
HANDOFF_ENV = "PYTEST_PYRAMID_RUN"
"""The one variable that carries the run's state to xdist workers (see the table above)."""
REBIND_MODULE = "tests.plugins.connections"
ORIGINAL_URL = "original_database_url"
"""The handoff key of the variable's value before the suite pointed it elsewhere."""


# -- what workers inherit ----------------------------------------------------


def handoff() -> dict[str, str | None]:
    """Everything the run's first process has handed down so far."""
    state: dict[str, str | None] = json.loads(os.environ.get(HANDOFF_ENV) or "{}")
    return state


def handed_down(key: str) -> str | None:
    """The value the run's first process handed down under ``key``, if any."""
    return handoff().get(key)


def hand_down(key: str, value: str | None) -> None:
    """Make ``value`` this run's ``key``, for this process and the workers it starts."""
    os.environ[HANDOFF_ENV] = json.dumps({**handoff(), key: value})


def inherited_or_chosen(key: str, choose: Callable[[], str]) -> str:
    """The run's ``key`` if this process inherited it; else ``choose()``, handed down."""
    state = handoff()
    value = state.get(key)
    if value is None:
        value = choose()
        hand_down(key, value)
    return value


def forget(key: str) -> None:
    """Remove ``key`` (at the end of the run, in the process that handed it down)."""
    state = handoff()
    state.pop(key, None)
    if state:
        os.environ[HANDOFF_ENV] = json.dumps(state)
    else:
        os.environ.pop(HANDOFF_ENV, None)


# -- the application's database ----------------------------------------------


@dataclass
class Databases:
    """The application's database as found at start-up, and where this process points it."""

    variable_value: str | None
    """The variable's value when the run started (the xdist controller's, in a worker)."""
    inherited: bool = False
    """The value came from the xdist controller's handoff (reference backend)."""
    application_url: str | None = None
    """Where ``session_import``'s sessions are bound (adopted backends)."""
    rewritten: bool = False


_databases: Databases | None = None


def point_at_test_database(location: str) -> None:
    """Reference backend: set the variable to this process's test database (once).

    Called by ``database`` when pytest registers it, before any test module or
    later conftest imports the application.
    """
    if not REWRITES_VARIABLE:
        return  # an adopted project's environment stays as it was
    databases = found()
    if databases.rewritten or DATABASE_URL_ENV is None:
        return
    if not databases.inherited:
        hand_down(ORIGINAL_URL, databases.variable_value)
    os.environ[DATABASE_URL_ENV] = location
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
        forget(ORIGINAL_URL)
    databases.rewritten = False


def found() -> Databases:
    """What the environment held when the suite first looked (read once per process)."""
    global _databases
    if _databases is None:
        value = os.environ.get(DATABASE_URL_ENV) if DATABASE_URL_ENV else None
        inherited = REWRITES_VARIABLE and ORIGINAL_URL in handoff()
        if inherited:  # a worker: the variable already names the controller's test database
            value = handed_down(ORIGINAL_URL)
        _databases = Databases(value, inherited=inherited)
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
