"""The two checks of the migrations: they match the models, and each one can be undone.

Both run on a new empty database. With the reference backend's ``env.py``,
which takes a connection from ``config.attributes["connection"]``, Alembic runs
in the test's event loop on one connection the test opens: no subprocess, so
the tests stay within the integration budget. An adopted project's ``env.py``
opens its own connection, so there Alembic runs as a subprocess
(``ROUND_TRIP_SCRIPT``) and only the comparison runs in the test.

- ``schema_differences``: what ``alembic check`` compares (autogenerate), as one
  line per difference, naming the table and the column.
- ``round_trip``: every revision up, one at a time, then down to the base, then
  up again, so that a ``downgrade()`` that raises, or leaves something behind
  that the next ``upgrade()`` trips on, fails the test and names the revision.

pytest-alembic ships similar tests; these are written on Alembic's public API
instead, so that they are ordinary tests in a tier folder (markers, budgets and
the pyramid count apply), use the suite's empty databases of either kind, and
need no change to an adopted project's ``env.py`` (pytest-alembic hands its
connection to ``env.py``, which must be written to take it).
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import MetaData
from sqlalchemy.engine import URL, Connection

from .commands import error_of, runner, without_footer
from .seams import create_database_engine

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import Script

# Alembic is imported by the functions that use it, not here: collecting the
# migration tests (``pytest -m unit`` collects them too) must not cost its import.

NEW_REVISION = '{run}pytest {test_file} --pyramid-new-revision="catch up with the models"'
"""Works as printed on a fresh checkout: the run's own test database is the scratch one."""
DRIFT_MESSAGE = (
    "The models and the migrations disagree ({count} difference(s), as `alembic check` "
    "compares them):\n{lines}\nWrite the missing revision: {command}\n(it runs `alembic "
    "revision --autogenerate` on an empty database the run makes and removes; put your own "
    "words in the quotes), then read the revision it writes and run the tests again. "
    "Meanwhile the run's other tests got the models' tables and columns (create_all), so "
    "a table or column the migrations lack fails only here. See docs/testing.md#migrations"
)
AHEAD = ("add_table", "add_column")
"""What the models have and the migrations lack: tables or columns every query would miss."""
STEP_MESSAGE = (
    "Revision {revision} ({title}) failed to {direction}: {error}\n"
    "Every revision must go up, down and up again: fix its {direction}(), so that "
    "downgrade() undoes exactly what upgrade() did. Reproduce on an empty database: "
    "{alembic} upgrade head && {alembic} downgrade base && {alembic} upgrade head"
)


async def in_rolled_back_transaction(url: URL, check: Callable[..., Any], *args: object) -> Any:
    """``check(connection, *args)`` on ``url``, in a transaction rolled back afterwards.

    DDL is transactional on SQLite and PostgreSQL, so the database is left as
    empty as it was, whatever the migrations did or where they failed.
    """
    engine = create_database_engine(url)
    try:
        async with engine.connect() as connection, connection.begin() as transaction:
            try:
                return await connection.run_sync(check, *args)
            finally:
                await transaction.rollback()
    finally:
        await engine.dispose()


async def in_committed_transaction(url: URL, check: Callable[..., Any], *args: object) -> Any:
    """``check(connection, *args)`` on ``url``, committed (building the test database)."""
    engine = create_database_engine(url)
    try:
        async with engine.begin() as connection:
            return await connection.run_sync(check, *args)
    finally:
        await engine.dispose()


def alembic_config(path: Path, connection: Connection) -> Config:
    """The project's Alembic config, with ``env.py`` told to use ``connection``."""
    from alembic.config import Config

    config = Config(str(path))
    config.attributes["connection"] = connection
    return config


def upgrade_to_head(connection: Connection, config_path: Path) -> None:
    from alembic import command

    command.upgrade(alembic_config(config_path, connection), "head")


def drift(
    connection: Connection, config_path: Path, metadata: MetaData, new_revision: str | None = None
) -> list[str]:
    """Migrate the empty database to head, then compare it with the models.

    With ``new_revision`` (``--pyramid-new-revision``), a difference is written as a
    new revision with that message, then applied, and what remains is returned.
    """
    upgrade_to_head(connection, config_path)
    differences = schema_differences(connection, metadata)
    if differences and new_revision:
        from alembic import command

        command.revision(alembic_config(config_path, connection), new_revision, autogenerate=True)
        upgrade_to_head(connection, config_path)
        differences = schema_differences(connection, metadata)
    return differences


def models_ahead(connection: Connection, metadata: MetaData) -> list[str]:
    """Tables and columns of the models that the migrated database at hand lacks."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    context = MigrationContext.configure(connection, opts={"target_metadata": metadata})
    return [
        describe(difference)
        for difference in compare_metadata(context, metadata)
        if isinstance(difference, tuple) and difference[0] in AHEAD
    ]


def schema_differences(connection: Connection, metadata: MetaData) -> list[str]:
    """What autogenerate would write for this database, one readable line per difference."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    context = MigrationContext.configure(connection, opts={"target_metadata": metadata})
    lines: list[str] = []
    for difference in compare_metadata(context, metadata):
        steps = difference if isinstance(difference, list) else [difference]
        lines.extend(describe(step) for step in steps)
    return lines


def drift_message(differences: Sequence[str], test_file: Path) -> str:
    """The failure of the drift test in ``test_file``, with the command that fixes it."""
    lines = "\n".join(f"  - {line}" for line in differences)
    command = NEW_REVISION.format(run=runner(Path.cwd()), test_file=relative_to_cwd(test_file))
    return DRIFT_MESSAGE.format(count=len(differences), lines=lines, command=command)


def relative_to_cwd(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def alembic_command(config_path: Path) -> str:
    """How to run Alembic with this config from the project root, for the messages."""
    try:
        relative = config_path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        relative = config_path
    alembic = f"{runner(Path.cwd())}alembic"
    return alembic if str(relative) == "alembic.ini" else f"{alembic} -c {relative}"


@dataclass(frozen=True)
class RoundTrip:
    """How the walk went: the revisions walked, and the first step that failed, if one did."""

    revisions: int
    failure: str | None = None


def round_trip(connection: Connection, config_path: Path) -> RoundTrip:
    """Every revision up, all down to the base, all up again; stops at the first failure.

    Alembic runs the revisions one at a time in each direction; the one that
    failed is found in the traceback.
    """
    from alembic import command, script  # one statement: a project's alembic/ folder sorts apart

    config = alembic_config(config_path, connection)
    scripts = list(script.ScriptDirectory.from_config(config).walk_revisions())
    for direction, target in (("upgrade", "head"), ("downgrade", "base"), ("upgrade", "head")):
        run = command.upgrade if direction == "upgrade" else command.downgrade
        try:
            run(config, target)
        except Exception as error:
            failure = step_failure(scripts, direction, error, alembic_command(config_path))
            return RoundTrip(len(scripts), failure)
    return RoundTrip(len(scripts))


def step_failure(scripts: Sequence[Script], direction: str, error: Exception, alembic: str) -> str:
    revision = failing_revision(scripts, error)
    if revision is None:
        name, title = "(unknown: see the error)", "no message"
    else:
        name, title = revision.revision, first_line(revision.doc) or "no message"
    return STEP_MESSAGE.format(
        revision=name,
        title=title,
        direction=direction,
        error=f"{type(error).__name__}: {without_footer(str(error))}",
        alembic=alembic,
    )


def failing_revision(scripts: Sequence[Script], error: BaseException) -> Script | None:
    """The revision whose file the traceback went through last."""
    by_file = {Path(script.path).resolve(): script for script in scripts}
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        script = by_file.get(Path(frame.filename).resolve())
        if script is not None:
            return script
    return None


def first_line(text: str | None) -> str:
    return (text or "").strip().split("\n", 1)[0]


ROUND_TRIP_STEPS = (("upgrade", "head"), ("downgrade", "base"), ("upgrade", "head"))
"""The round trip for an ``env.py`` that opens its own connection, one process per step
as you run ``alembic``: an engine your ``env.py`` builds at import would otherwise carry
its pooled connections from one step's event loop into the next."""
RUNNING = re.compile(r"Running (upgrade|downgrade) (\S*) -> (\S*), ?(.*)")
"""Alembic's log line before each revision it runs (absent when ``env.py`` sets up no logging)."""
WALKING = re.compile(r"^round trip: (upgrade|downgrade) ", re.MULTILINE)
"""The line written before each step's output (``round_trip_step``)."""
REVISION_FRAME = re.compile(r'File "([^"]+)", line \d+, in (upgrade|downgrade)$', re.MULTILINE)
"""A traceback frame inside a revision's ``upgrade()`` or ``downgrade()``."""
REVISION_ID = re.compile(r"""^revision(?:: str)? = ['"]([^'"]+)['"]""", re.MULTILINE)


def round_trip_step(config_path: Path, step: Sequence[str]) -> tuple[str, list[str]]:
    """The heading ``round_trip_output_failure`` reads, and the arguments of one step."""
    return f"round trip: {' '.join(step)}\n", ["-m", "alembic", "-c", str(config_path), *step]


def round_trip_output_failure(output: str, config_path: Path) -> str:
    """The failure of a round trip run step by step (``round_trip_step``), from what it printed."""
    steps = RUNNING.findall(output)
    frames = REVISION_FRAME.findall(output)
    walked = WALKING.findall(output)
    revision, title = "(none ran)", ""
    direction = walked[-1] if walked else "upgrade"
    if steps:
        direction, source, target, title = steps[-1]
        revision = (target if direction == "upgrade" else source) or revision
    elif frames:  # no Alembic log: the revision's file is in the traceback
        path, direction = frames[-1]
        revision, title = revision_in_file(Path(path))
    return STEP_MESSAGE.format(
        revision=revision,
        title=title or "no message",
        direction=direction,
        error=error_of(output),  # the database's own error, not SQLAlchemy's footer
        alembic=alembic_command(config_path),
    )


def revision_in_file(path: Path) -> tuple[str, str]:
    """A revision file's id and the first line of its docstring, as far as they can be read."""
    try:
        text = path.read_text()
    except OSError:
        return path.stem, ""
    found = REVISION_ID.search(text)
    docstring = re.match(r'\s*(?:"""|\'\'\')\s*(.*)', text)
    return (found.group(1) if found else path.stem), (docstring.group(1) if docstring else "")


def describe(difference: tuple[Any, ...]) -> str:
    """One autogenerate difference as a sentence that names the table and column."""
    kind = difference[0]
    if kind in ("add_column", "remove_column"):
        table, column = difference[2], difference[3]
        return f"column {table}.{column.name}: {where(kind)}"
    if kind in ("add_table", "remove_table"):
        return f"table {difference[1].name}: {where(kind)}"
    if kind.startswith("modify_"):
        _, _, table, column, _, database_value, model_value = difference
        what = kind.removeprefix("modify_")
        return (
            f"column {table}.{column}: {what} is {database_value!r} in the migrations, "
            f"{model_value!r} in the models"
        )
    if kind.startswith(("add_", "remove_")):
        item = difference[1]
        table = getattr(getattr(item, "table", None), "name", "?")
        columns = ", ".join(column.name for column in getattr(item, "columns", []))
        noun = kind.split("_", 1)[1].replace("fk", "foreign key")
        return f"{noun} {item.name or '(unnamed)'} on {table}({columns}): {where(kind)}"
    return repr(difference)


def where(kind: str) -> str:
    if kind.startswith("add_"):
        return "in the models, not in the migrations"
    return "in the migrations, not in the models"
