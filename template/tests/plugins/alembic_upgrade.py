"""``alembic upgrade head`` for the test schema: in this process, or in a subprocess as you run it.

The reference backend's ``migrations/env.py`` takes the connection the suite
hands it (``config.attributes``), so Alembic runs here: about 30 ms once per
run. An adopted project's ``env.py`` is unknown to the suite, so it runs as
``alembic`` in a subprocess (about 1.5 s, once per run): the subprocess gets
the test database's URL (in your URL variable, if you named one), and every
connection it would make to your application's database goes to the test
database instead (``connections``), so any ``env.py`` works unchanged: one that
reads your variable, builds the URL from several, or hard-codes it. Its
``fileConfig()`` cannot reconfigure pytest's logging (docs/testing.md#migrations).
"""

from __future__ import annotations

import asyncio
import subprocess
import traceback
from pathlib import Path

from sqlalchemy.engine import URL

from .answers import BACKEND
from .environment import python_command, subprocess_environment

IN_PROCESS = BACKEND == "reference"
"""The project's ``env.py`` takes the suite's connection (the reference backend's does)."""
UPGRADE_TIMEOUT_SECONDS = 300


def upgrade_head(alembic_config: Path, url: URL, *, cwd: Path) -> tuple[str, str] | None:
    """Upgrade the empty database at ``url``; how it failed (outcome, output), if it did."""
    if IN_PROCESS:
        return upgrade_here(alembic_config, url)
    arguments = ["-m", "alembic", "-c", str(alembic_config), "upgrade", "head"]
    try:
        result = run_python(arguments, url, cwd=cwd)
    except subprocess.TimeoutExpired as timeout:  # its output is bytes, whatever text= said
        parts = (timeout.stdout, timeout.stderr)
        output = b"".join(part for part in parts if isinstance(part, bytes))
        outcome = f"ran for more than {UPGRADE_TIMEOUT_SECONDS} s (where does it wait?)"
        return outcome, output.decode(errors="replace")
    if result.returncode != 0:
        return f"exited {result.returncode}", result.stdout + result.stderr
    return None


def upgrade_here(alembic_config: Path, url: URL) -> tuple[str, str] | None:
    """``upgrade head`` on a connection of this process's."""
    from .migration_checks import in_committed_transaction, upgrade_to_head  # Alembic, only now

    try:
        asyncio.run(in_committed_transaction(url, upgrade_to_head, alembic_config))
    except Exception as error:
        return "raised", "".join(traceback.format_exception(error))  # its tail names the revision
    return None


def run_python(arguments: list[str], url: URL, *, cwd: Path) -> subprocess.CompletedProcess[str]:
    """This Python with ``arguments`` (``-m ...``, ``-c ...``) on ``url``; output captured."""
    return subprocess.run(
        python_command(arguments),
        cwd=cwd,
        env=subprocess_environment(url),
        capture_output=True,
        text=True,
        timeout=UPGRADE_TIMEOUT_SECONDS,
        check=False,
    )
