"""An adopted project's URL is left alone; connections to its database are sent to the test one.

``template/tests/plugins/connections.py`` has no Jinja, so it is imported straight
from the template and exercised with real SQLite engines: ``redirect`` rewrites a
connection's arguments in place, and the module's entry point, which the suite
puts in front of the subprocesses it starts (Alembic), sends every connection to
a protected database to the test database, whatever URL the code wrote.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import create_async_engine

from harness.plugin_modules import load_plugin
from harness.project import TEMPLATE_ROOT, render


@pytest.fixture(scope="module")
def connections() -> ModuleType:
    return load_plugin("connections")


def tables_in(path: Path) -> list[str]:
    if not path.exists():
        return []
    with closing(sqlite3.connect(path)) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return sorted(row[0] for row in rows)


def test_a_redirected_connection_reaches_the_other_file_and_keeps_its_options(
    connections: ModuleType, tmp_path: Path
) -> None:
    real, test = tmp_path / "real.db", tmp_path / "test.db"
    engine = create_async_engine(
        f"sqlite+aiosqlite:///{real}", connect_args={"check_same_thread": False}
    )
    seen: list[dict[str, Any]] = []

    def send_to_test(
        dialect: Dialect, _record: Any, cargs: list[Any], cparams: dict[str, Any]
    ) -> None:
        connections.redirect(dialect, cargs, cparams, make_url(f"sqlite+aiosqlite:///{test}"))
        seen.append(dict(cparams))

    event.listen(engine.sync_engine, "do_connect", send_to_test)

    async def create_a_table() -> None:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE written (id INTEGER)"))
        await engine.dispose()

    asyncio.run(create_a_table())

    assert tables_in(test) == ["written"]
    assert not real.exists()
    assert seen[0]["check_same_thread"] is False


def test_connect_target_reads_the_database_a_driver_is_about_to_open(
    connections: ModuleType, tmp_path: Path
) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'app.db'}")
    dialect = engine.sync_engine.dialect
    cargs, cparams = dialect.create_connect_args(engine.url)

    reached = connections.connect_targets(dialect, list(cargs), dict(cparams))

    assert reached == connections.url_targets(make_url(f"sqlite:///{tmp_path / 'app.db'}"))


def test_unparsable_urls_protect_nothing_and_break_nothing(connections: ModuleType) -> None:
    assert connections.targets_of(["not a url", "sqlite:///x.db"]) == connections.url_targets(
        make_url("sqlite:///x.db")
    )


LITERAL_URL_SCRIPT = """
import asyncio, sys
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

async def main():
    engine = create_async_engine("sqlite+aiosqlite:///./app.db")  # written in the code
    async with engine.begin() as connection:
        await connection.execute(text(f"CREATE TABLE {sys.argv[1]} (id INTEGER)"))
    await engine.dispose()

asyncio.run(main())
"""


def run_through_connections(
    cwd: Path, arguments: list[str], environment: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """``python -m tests.plugins.connections ...``, with the template's module as the package."""
    bootstrap = (
        "import sys; from harness.plugin_modules import load_plugin; "
        "load_plugin('connections').main(sys.argv[1:])"
    )
    return subprocess.run(
        [sys.executable, "-c", bootstrap, *arguments],
        cwd=cwd,
        env={**environment, "PYTHONPATH": str(TEMPLATE_ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_subprocess_writing_to_a_literal_url_reaches_the_test_database(
    connections: ModuleType, tmp_path: Path
) -> None:
    (tmp_path / "app.db").write_bytes(b"")
    test = tmp_path / "test.db"
    environment = {
        connections.TEST_URL_ENV: f"sqlite+aiosqlite:///{test}",
        connections.PROTECTED_URLS_ENV: json.dumps([f"sqlite:///{tmp_path / 'app.db'}"]),
    }

    done = run_through_connections(tmp_path, ["-c", LITERAL_URL_SCRIPT, "migrated"], environment)

    assert done.returncode == 0, done.stderr
    assert tables_in(test) == ["migrated"]
    assert (tmp_path / "app.db").read_bytes() == b""


def test_without_a_test_url_the_subprocess_runs_as_written(
    connections: ModuleType, tmp_path: Path
) -> None:
    done = run_through_connections(tmp_path, ["-c", LITERAL_URL_SCRIPT, "mine"], {})

    assert done.returncode == 0, done.stderr
    assert tables_in(tmp_path / "app.db") == ["mine"]


def test_other_databases_are_left_alone_in_the_subprocess(
    connections: ModuleType, tmp_path: Path
) -> None:
    environment = {
        connections.TEST_URL_ENV: f"sqlite+aiosqlite:///{tmp_path / 'test.db'}",
        connections.PROTECTED_URLS_ENV: json.dumps([f"sqlite:///{tmp_path / 'production.db'}"]),
    }

    done = run_through_connections(tmp_path, ["-c", LITERAL_URL_SCRIPT, "elsewhere"], environment)

    assert done.returncode == 0, done.stderr
    assert tables_in(tmp_path / "app.db") == ["elsewhere"]
    assert not (tmp_path / "test.db").exists()


def test_a_module_runs_as_its_main(connections: ModuleType, tmp_path: Path) -> None:
    done = run_through_connections(tmp_path, ["-m", "json.tool", "--help"], {})

    assert done.returncode == 0, done.stderr
    assert "json.tool" in done.stdout


def test_anything_but_a_module_or_code_is_a_usage_error(
    connections: ModuleType, tmp_path: Path
) -> None:
    done = run_through_connections(tmp_path, ["alembic", "upgrade"], {})

    assert done.returncode == 1
    assert done.stderr.strip() == connections.USAGE


def test_the_listener_is_global_to_every_engine(connections: ModuleType, tmp_path: Path) -> None:
    """Installed on ``Engine``: an engine built after it, anywhere, is redirected too."""
    protected = connections.targets_of([f"sqlite:///{tmp_path / 'app.db'}"])
    redirect = connections.SubprocessRedirect(
        make_url(f"sqlite:///{tmp_path / 'test.db'}"), protected
    )
    redirect.install()
    try:
        engine = create_engine(f"sqlite:///{tmp_path / 'app.db'}")
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE late (id INTEGER)"))
        engine.dispose()
    finally:
        event.remove(Engine, "do_connect", redirect.on_do_connect)

    assert tables_in(tmp_path / "test.db") == ["late"]
    assert not (tmp_path / "app.db").exists()


# -- the production guard of an adopted project (guards.DatabaseGuard) ---------

SEAM_FIX = "reach the database through session_import (app.db:get_session)"


@pytest.fixture(scope="module")
def guards() -> Iterator[ModuleType]:
    """``guards.py`` over stand-ins for the three rendered modules it imports."""
    load_plugin("targets")
    stand_ins = {
        "database": {"test_database_key": pytest.StashKey[object]()},
        "environment": {"protected_database_urls": list},
        "seams": {
            "DEFAULT_DATABASE_URL": None,
            "GUARD_EVERY_TEST": False,
            "SESSION_HAND_OVER": "(hand it over)",
            "UNIT_TEST_FIX": "mock it",
            "URL_FIX": SEAM_FIX,
            "URL_SOURCE": "where session_import's sessions are bound",
        },
    }
    saved = {name: sys.modules.get(f"template_plugins.{name}") for name in [*stand_ins, "guards"]}
    for name, attributes in stand_ins.items():
        module = ModuleType(f"template_plugins.{name}")
        module.__dict__.update(attributes)
        sys.modules[module.__name__] = module
    sys.modules.pop("template_plugins.guards", None)
    yield importlib.import_module("template_plugins.guards")
    for name, module in saved.items():
        if module is None:
            sys.modules.pop(f"template_plugins.{name}", None)
        else:
            sys.modules[f"template_plugins.{name}"] = module


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    real = tmp_path / "real.db"
    with closing(sqlite3.connect(real)) as connection:
        connection.execute("CREATE TABLE kept (id INTEGER)")
    return real, tmp_path / "test.db"


@pytest.fixture
def installed(
    guards: ModuleType,
    connections: ModuleType,
    files: tuple[Path, Path],
    request: pytest.FixtureRequest,
) -> Iterator[Any]:
    real, test = files
    protected = connections.targets_of([f"sqlite:///{real}"])
    test_target = connections.url_target(make_url(f"sqlite:///{test}"))
    guard = guards.DatabaseGuard(protected, test_target, every_test=request.param)
    guard.install()
    yield guard
    guard.uninstall()


def create_table(engine: Engine, name: str) -> None:
    with engine.begin() as connection:
        connection.execute(text(f"CREATE TABLE {name} (id INTEGER)"))
    engine.dispose()


@pytest.mark.parametrize("installed", [False], indirect=True)
def test_outside_the_suites_tests_the_projects_own_connections_reach_its_database(
    installed: Any, files: tuple[Path, Path]
) -> None:
    real, _test = files

    create_table(create_engine(f"sqlite:///{real}"), "own")

    assert tables_in(real) == ["kept", "own"]


@pytest.mark.parametrize("installed", [False], indirect=True)
def test_in_the_suites_tests_the_seams_engine_reaches_the_test_database(
    installed: Any, files: tuple[Path, Path]
) -> None:
    real, test = files
    application = create_engine(f"sqlite:///{real}")

    with installed.binding([application.dialect], make_url(f"sqlite:///{test}")) as binding:
        create_table(application, "bound")

    assert binding.redirected
    assert tables_in(test) == ["bound"]
    assert tables_in(real) == ["kept"]


@pytest.mark.parametrize("installed", [False], indirect=True)
def test_in_the_suites_tests_another_way_to_the_database_is_refused_naming_the_seam(
    guards: ModuleType, installed: Any, files: tuple[Path, Path]
) -> None:
    real, test = files
    application = create_engine(f"sqlite:///{real}")

    with (
        installed.binding([application.dialect], make_url(f"sqlite:///{test}")),
        pytest.raises(guards.DatabaseAccessError) as refused,
    ):
        create_table(create_engine(f"sqlite:///{real}"), "elsewhere")

    assert str(refused.value) == (
        f"A test tried to connect to sqlite:{real}, the database of your environment "
        f"(where session_import's sessions are bound). Tests only use their own database, "
        f"sqlite:{test}. Fix: {SEAM_FIX}. See docs/testing.md#production-database-guard"
    )
    assert tables_in(real) == ["kept"]


@pytest.mark.parametrize("installed", [True], indirect=True)
def test_with_every_test_guarded_the_database_is_refused_outside_any_binding(
    guards: ModuleType, installed: Any, files: tuple[Path, Path]
) -> None:
    real, _test = files

    with pytest.raises(guards.DatabaseAccessError):
        create_table(create_engine(f"sqlite:///{real}"), "refused")

    assert tables_in(real) == ["kept"]


# -- the database_url_env answer ------------------------------------------------


@pytest.mark.render
@pytest.mark.parametrize(
    ("answer", "constant"),
    [
        ("DB_URI", 'DATABASE_URL_ENV: str | None = "DB_URI"'),
        ("none", "DATABASE_URL_ENV: str | None = None"),
        ("", "DATABASE_URL_ENV: str | None = None"),
    ],
    ids=["a-variable", "none", "empty"],
)
def test_database_url_env_may_name_no_variable(tmp_path: Path, answer: str, constant: str) -> None:
    root = render(tmp_path / "project", backend="existing", database_url_env=answer)

    assert constant in (root / "tests/plugins/answers.py").read_text()


@pytest.mark.render
def test_database_url_env_that_is_no_variable_name_is_refused_offering_none(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"^Validation error") as refusal:
        render(tmp_path / "project", backend="existing", database_url_env="DB URL")

    assert str(refusal.value) == (
        "Validation error for question 'database_url_env': database_url_env 'DB URL' is not "
        "an environment variable name: use letters, digits and underscores (e.g. DATABASE_URL "
        "or DB_URI), or none if your URL is built from several variables or written in your code."
    )
