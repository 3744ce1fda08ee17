"""How the test database's schema is built: by the project's migrations, or by ``create_all``.

The run's template database (see ``database.build_once``) is built by ``build_schema``:
``alembic upgrade head`` when the project has an Alembic config, so the schema
under test is the schema that ships; ``metadata.create_all`` otherwise, or when
asked (``--pyramid-create-all``, ``pyramid_schema = "create_all"``). The header
says which, and why.

``alembic_upgrade`` runs the migrations: in this process for the reference
backend, whose ``env.py`` takes the suite's connection; in a subprocess for an
adopted project, whose ``env.py`` the suite does not know (docs/testing.md#migrations).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .answers import ALEMBIC_CONFIG
from .commands import error_of, runner
from .event_loops import run_apart
from .settings import add_setting, option_group

if TYPE_CHECKING:  # SQLAlchemy: imported when a test first needs a database
    from sqlalchemy.engine import URL

MODES = ("migrations", "create_all")
MIGRATION_TESTS = ("test_migrations.py", "test_pyramid_migrations.py")
OUTPUT_TAIL_LINES = 20
FALLBACK = (
    'pytest --pyramid-create-all (or pyramid_schema = "create_all" in '
    "[tool.pytest.ini_options]) builds the schema from the models instead"
)


class SchemaBuildError(Exception):
    """The test schema could not be built; the message says which command failed and the fix."""


@dataclass(frozen=True)
class SchemaChoice:
    """How this run builds the test schema, and why (for the header)."""

    mode: str
    reason: str
    alembic_config: Path | None = None

    def describe(self) -> str:
        return f"test schema: {self.mode} ({self.reason})"


schema_choice_key = pytest.StashKey[SchemaChoice]()


# -- hooks -------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = option_group(parser)
    group.addoption(
        "--pyramid-create-all",
        action="store_true",
        default=False,
        help="build the test database with metadata.create_all instead of the migrations",
    )
    group.addoption(
        "--pyramid-new-revision",
        metavar="MESSAGE",
        default=None,
        help="the drift test writes the missing revision with this message "
        "(alembic revision --autogenerate, on an empty test database)",
    )
    add_setting(parser, "pyramid_schema")


def pytest_configure(config: pytest.Config) -> None:
    config.stash[schema_choice_key] = choose_schema(config)


def pytest_report_header(config: pytest.Config) -> str:
    return schema_choice(config).describe()


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """The migration tests exist only where migrations do: without the config, not collected."""
    if collection_path.name in MIGRATION_TESTS and alembic_config_path(config) is None:
        return True
    return None


# -- the provider's entry point ------------------------------------------------


def build_schema(config: pytest.Config, url: URL) -> None:
    """Create the schema in the empty database at ``url``, as this run's choice says.

    Called once per run, from a thread with no running event loop.

    Raises:
        SchemaBuildError: the migrations (or ``create_all``) failed; the message
            has the command, the end of its output, the fix and the fallback.
    """
    from .alembic_upgrade import upgrade_head

    choice = schema_choice(config)
    if choice.alembic_config is None:
        run_apart(create_all(url))
        return
    failure = upgrade_head(choice.alembic_config, url, cwd=config.rootpath)
    if failure is not None:
        outcome, output = failure
        config_name = relative(choice.alembic_config, config.rootpath)
        raise SchemaBuildError(failure_message(config_name, outcome, output, url))
    run_apart(catch_up_with_the_models(url))


async def catch_up_with_the_models(url: URL) -> None:
    """Models ahead of the migrations: build the schema from the models instead.

    A column added to a model without its revision would fail every test that
    touches the table (``no such column``); the drift test fails instead, once,
    naming the columns and the command that writes the revision.
    """
    if ALEMBIC_CONFIG is None:
        return  # no migrations to be behind (build_schema never gets here then)
    from .migration_checks import models_ahead  # Alembic's autogenerate, only now
    from .seams import create_database_engine, metadata

    engine = create_database_engine(url)
    try:
        async with engine.begin() as connection:
            if await connection.run_sync(models_ahead, metadata):
                await connection.run_sync(metadata.drop_all)
                await connection.run_sync(metadata.create_all)
    finally:
        await engine.dispose()


# -- helpers -----------------------------------------------------------------


def schema_choice(config: pytest.Config) -> SchemaChoice:
    choice = config.stash.get(schema_choice_key, None)
    return choice if choice is not None else choose_schema(config)


def choose_schema(config: pytest.Config) -> SchemaChoice:
    """The switch, the ini setting, then the ``migrations`` answer; bad values: usage errors."""
    setting = str(config.getini("pyramid_schema")).strip()
    if setting not in MODES:
        raise pytest.UsageError(
            f"pyramid_schema = {setting!r} in [tool.pytest.ini_options]: expected one of "
            f"{', '.join(MODES)} (migrations runs alembic upgrade head; create_all builds "
            "the tables from the models)"
        )
    if config.getoption("pyramid_create_all"):
        return SchemaChoice("create_all", "--pyramid-create-all")
    if setting == "create_all":
        return SchemaChoice("create_all", 'pyramid_schema = "create_all"')
    if ALEMBIC_CONFIG is None:
        return SchemaChoice("create_all", "migrations = none in .copier-answers.yml")
    path = alembic_config_path(config)
    if path is None:
        return SchemaChoice("create_all", f"no {ALEMBIC_CONFIG} found")
    return SchemaChoice("migrations", f"{ALEMBIC_CONFIG}, upgrade head", path)


def alembic_config_path(config: pytest.Config) -> Path | None:
    """The project's Alembic config, if the ``migrations`` answer names one that exists."""
    if ALEMBIC_CONFIG is None:
        return None
    path = config.rootpath / ALEMBIC_CONFIG
    return path if path.is_file() else None


async def create_all(url: URL) -> None:
    from .seams import create_database_engine, metadata

    engine = create_database_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
    finally:
        await engine.dispose()


def failure_message(config_name: str, outcome: str, output: str, url: URL) -> str:
    shown = f"alembic -c {config_name} upgrade head"
    lines = output.strip().splitlines()[-OUTPUT_TAIL_LINES:]
    tail = "\n".join(f"    {line}" for line in lines) or "    (no output)"
    database = url.render_as_string(hide_password=True)
    error = "\n".join(f"    {line}" for line in error_of(output).splitlines())
    run = runner(Path.cwd())
    return (
        f"The test schema could not be built: `{shown}` {outcome}:\n{error}\n"
        f"It ran on the empty database {database}; its output ended with:\n{tail}\n"
        f"Fix the revision it names (`{run}{shown}` on an empty database shows the same "
        f"error), or, to run the tests meanwhile, {FALLBACK}. "
        "See docs/testing.md#migrations"
    )


def relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
