"""The SQLite test databases: one file per process, copied from the run's template.

This process's file is in a folder of its own, named when pytest registers
``database`` (the reference backend's ``DATABASE_URL`` points at it before the
application is imported), made when a test first needs a database, and named
``<package>-tests-<worker>-<owner tag>`` so that the next run removes it if this
one is killed (``reaper``). The template file is built once per run, in the
run's folder, when a test first needs a database (``database.build_once``); each
process then copies it, which costs far less than building it again.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .answers import PACKAGE_NAME
from .database import BuildSchema, DatabaseProvider, build_once, run_folder
from .owners import reap_folders, this_process, worker_name
from .settings import add_setting

if TYPE_CHECKING:
    from sqlalchemy.engine import URL
    from sqlalchemy.ext.asyncio import AsyncEngine

FOLDER_PREFIX = f"{PACKAGE_NAME}-tests-"
"""The test databases' folders, in the temporary directory: a killed run's are reaped."""
TEMPLATE_FILE = "template.db"
DRIVER = "sqlite+aiosqlite"
INLINE_OPTION = "pyramid_sqlite_inline"
FAST_PATH = "the fast SQLite path (pyramid_sqlite_inline)"


def sqlite_url(path: Path) -> URL:
    from sqlalchemy.engine import URL  # when a test first needs a database, not at start-up

    return URL.create(DRIVER, database=str(path))


def add_options(parser: pytest.Parser) -> None:
    """This provider's settings: the fast path for the suite's connection (``sqlite_inline``).

    Registered here rather than in ``sqlite_inline``, which imports aiosqlite and
    SQLAlchemy: a run that needs no database never imports them.
    """
    add_setting(parser, INLINE_OPTION)


def configure_test_engine(engine: AsyncEngine, config: pytest.Config) -> None:
    """Called on the engine ``db_engine`` makes: the fast path, unless switched off.

    Statements past the hang guard's deadline are interrupted, on every SQLite
    connection of the process (``sqlite_interrupts``).
    """
    from .hangs import add_interrupter  # not at import: pytest registers hangs after database
    from .sqlite_interrupts import interrupter

    if config.getini(INLINE_OPTION):
        run_inline_if_supported(engine, config)
    interrupter.install()
    add_interrupter(config, interrupter.interrupt_all)
    if not config.pluginmanager.is_registered(interrupter):  # lets go of each test's connections
        config.pluginmanager.register(interrupter, "pyramid-sqlite-interrupts")


def run_inline_if_supported(engine: AsyncEngine, config: pytest.Config) -> None:
    """The fast path (imported only now), unless a release moved what it relies on."""
    from .fallbacks import turn_off  # a plugin: imported once pytest has registered it

    try:
        from . import sqlite_inline
    except ImportError as error:  # SQLAlchemy moved await_only or its aiosqlite adapter
        turn_off(config, FAST_PATH, f"{error}; the suite runs on aiosqlite's thread")
        return
    missing = sqlite_inline.missing_members()
    if missing:
        lacking = ", ".join(missing)
        turn_off(config, FAST_PATH, f"this aiosqlite lacks {lacking}; it runs on its thread")
        return
    sqlite_inline.run_sqlite_inline(engine)


def location_for_this_process(original_url: str | None) -> str:
    """Where this process's database file will be; its URL, as ``DATABASE_URL`` names it.

    Nothing is made yet (``open_database`` makes the folder): a run that needs
    no database leaves nothing behind and imports no SQLAlchemy.
    """
    folder = f"{FOLDER_PREFIX}{worker_name()}-{this_process().tag}-{secrets.token_hex(4)}"
    return f"{DRIVER}:///{Path(tempfile.gettempdir()) / folder / 'test.db'}"


class SQLiteProvider:
    """A file per process, copied from the run's template (a ``DatabaseProvider``)."""

    def __init__(self, original_url: str | None) -> None:
        self.folder = run_folder(FOLDER_PREFIX)

    def unavailable(self) -> str | None:
        return None  # SQLite needs nothing but a folder

    def reap(self) -> dict[str, int]:
        return {"temporary folder": reap_folders(Path(tempfile.gettempdir()), FOLDER_PREFIX)}

    def open_database(self, url: URL, build_schema: BuildSchema) -> None:
        template = self.folder / TEMPLATE_FILE

        def build() -> None:
            template.unlink(missing_ok=True)  # what an interrupted build of this run left
            build_schema(sqlite_url(template))

        build_once(self.folder, build)
        file_of(url).parent.mkdir(exist_ok=True)
        shutil.copyfile(template, file_of(url))

    @contextmanager
    def empty_database(self, url: URL) -> Iterator[URL]:
        folder = Path(tempfile.mkdtemp(prefix="empty-", dir=file_of(url).parent))
        try:
            yield sqlite_url(folder / "empty.db")
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def close_process(self, url: URL) -> None:
        shutil.rmtree(file_of(url).parent, ignore_errors=True)

    def close_run(self) -> dict[str, int]:
        return {}  # the template is in the run's folder, which database removes


def file_of(url: URL) -> Path:
    return Path(str(url.database))


def provider_for_this_run(original_url: str | None) -> DatabaseProvider:
    """The provider ``database`` drives (each provider module has this function)."""
    return SQLiteProvider(original_url)
