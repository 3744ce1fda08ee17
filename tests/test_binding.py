"""An adopted project's URL is left alone; connections to its database are sent to the test one.

``template/tests/plugins/connections.py`` has no Jinja, so it is imported straight
from the template and exercised with real SQLite engines: ``redirect`` rewrites a
connection's arguments in place, and the module's entry point, which the suite
puts in front of the subprocesses it starts (Alembic), sends every connection to
a protected database to the test database, whatever URL the code wrote.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import create_async_engine

from harness.plugin_modules import load_plugin
from harness.project import TEMPLATE_ROOT


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

    target = connections.connect_target(dialect, list(cargs), dict(cparams))

    assert target == connections.url_target(make_url(f"sqlite:///{tmp_path / 'app.db'}"))


def test_unparsable_urls_protect_nothing_and_break_nothing(connections: ModuleType) -> None:
    assert connections.targets_of(["not a url", "sqlite:///x.db"]) == [
        connections.url_target(make_url("sqlite:///x.db"))
    ]


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
        from sqlalchemy import create_engine

        engine = create_engine(f"sqlite:///{tmp_path / 'app.db'}")
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE late (id INTEGER)"))
        engine.dispose()
    finally:
        event.remove(Engine, "do_connect", redirect.on_do_connect)

    assert tables_in(tmp_path / "test.db") == ["late"]
    assert not (tmp_path / "app.db").exists()
