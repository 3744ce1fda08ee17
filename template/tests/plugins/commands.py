"""Commands in the suite's messages: run with the project's own tool, and their errors.

A message that says what to run names the project's runner (``uv run``,
``poetry run``, or nothing for an environment installed with pip), read from
the files the project has. A migration that fails in a subprocess prints
Alembic's log, a traceback, and SQLAlchemy's footer (``[SQL: ...]``,
``(Background on this error at: ...)``): its last line is the footer, while the
line that says what went wrong is the database's own error, the exception line
after the last traceback. ``error_of`` finds it, so a message shows it first.
"""

from __future__ import annotations

import re
import tomllib
from itertools import dropwhile, takewhile
from pathlib import Path

TRACEBACK_HEADER = "Traceback (most recent call last):"
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*: ")
"""``sqlalchemy.exc.ProgrammingError: ...``, ``KeyError: 'x'``, Alembic's ``FAILED: ...``."""
FOOTER = ("[SQL:", "[parameters:", "(Background on this error at:")
"""Where SQLAlchemy's details start, after the database's message."""
MAX_LINES = 6


def error_of(output: str) -> str:
    """The last exception a command's ``output`` shows, without SQLAlchemy's footer.

    After the last traceback, the first line that is not indented (a frame is);
    without a traceback, the last line that reads like an exception; failing
    that, the last line. A multi-line message (PostgreSQL's ``DETAIL:``) is kept.
    """
    lines = output.strip().splitlines()
    headers = [number for number, line in enumerate(lines) if line.startswith(TRACEBACK_HEADER)]
    if headers:
        body = list(dropwhile(lambda line: not line or line[0].isspace(), lines[headers[-1] + 1 :]))
    else:
        starts = [number for number, line in enumerate(lines) if EXCEPTION_LINE.match(line)]
        body = lines[starts[-1] :] if starts else lines[-1:]
    return without_footer("\n".join(body)) or "no output"


def without_footer(message: str) -> str:
    """An exception's message up to SQLAlchemy's ``[SQL: ...]`` and background link."""
    lines = takewhile(lambda line: not line.startswith(FOOTER), message.strip().splitlines())
    return "\n".join(list(lines)[:MAX_LINES]).strip()


def runner(root: Path) -> str:
    """How the project runs a tool in its environment, as a command prefix ("" for none)."""
    if (root / "uv.lock").is_file():
        return "uv run "
    if (root / "poetry.lock").is_file():
        return "poetry run "
    try:
        pyproject = tomllib.loads((root / "pyproject.toml").read_text())
    except (OSError, tomllib.TOMLDecodeError):
        return ""  # requirement files: the tools are on PATH in its activated environment
    if "poetry" in pyproject.get("tool", {}) and "project" not in pyproject:
        return "poetry run "
    return "uv run "
