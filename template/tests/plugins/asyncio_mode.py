"""Keep a project's inert ``asyncio_mode = "auto"`` inert once the suite installs pytest-asyncio.

A project may say ``asyncio_mode = "auto"`` in its pytest configuration without
having pytest-asyncio installed (a setting left from an earlier setup): the
setting does nothing, and its async tests run under another plugin, anyio's
for one. The suite needs pytest-asyncio, and once installed, auto mode would
take those tests' async fixtures onto pytest-asyncio's loop while anyio runs
the tests on its own ("... attached to a different loop").

So ``add_test_dependencies.py``, when it adds pytest-asyncio to such a project,
writes ``tests/pyramid-asyncio.toml`` (``asyncio_mode = "strict"``), and this
plugin (loaded by the root ``conftest.py``) gives that mode to pytest-asyncio as
if ``--asyncio-mode`` had been passed: the project's tests run as they did, and
the suite's own tests and fixtures, all marked explicitly, run in any mode. An
``--asyncio-mode`` on the command line still wins; delete the file to let the
configuration decide. Standard library only: the adopting command imports it.
"""

from __future__ import annotations

import configparser
import tomllib
from pathlib import Path
from typing import Any

RECORD = "tests/pyramid-asyncio.toml"
RECORD_TEXT = """\
# Written by `python3 tests/plugins/add_test_dependencies.py` when it installed
# pytest-asyncio for the test suite. Your pytest configuration sets
# asyncio_mode = "auto", which did nothing while pytest-asyncio was not installed:
# your async tests ran under another plugin (anyio's, for one). pytest-asyncio
# runs in this mode instead, so they keep running as they did. Commit this file;
# delete it to let your configuration decide (docs/testing.md).
asyncio_mode = "strict"
"""
ROOT = Path(__file__).resolve().parents[2]


def _ini_value(path: Path, section: str) -> str | None:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error:
        return None
    if not parser.has_section(section):
        return None
    return parser.get(section, "asyncio_mode", fallback="").strip() or "strict"


def _toml_value(table: dict[str, Any]) -> str:
    value = table.get("asyncio_mode", "strict")
    return str(value).strip()


def configured_mode(root: Path) -> str | None:
    """The ``asyncio_mode`` of the pytest configuration file pytest would read in ``root``.

    None when no file there configures pytest; ``"strict"`` (pytest-asyncio's
    default) when the file that does says nothing about it. Files are tried in
    pytest's order, and the first that configures pytest is the one it reads.
    """
    for name in ("pytest.toml", ".pytest.toml"):
        path = root / name
        if path.is_file():
            return _toml_value(tomllib.loads(path.read_text()).get("pytest", {}))
    for name in ("pytest.ini", ".pytest.ini"):
        path = root / name
        if path.is_file():
            return _ini_value(path, "pytest") or "strict"
    path = root / "pyproject.toml"
    if path.is_file():
        pytest_table = tomllib.loads(path.read_text()).get("tool", {}).get("pytest")
        if isinstance(pytest_table, dict):
            ini_options = pytest_table.get("ini_options")
            if isinstance(ini_options, dict):
                return _toml_value(ini_options)
            return _toml_value(pytest_table)
    for name, section in (("tox.ini", "pytest"), ("setup.cfg", "tool:pytest")):
        path = root / name
        if path.is_file() and (value := _ini_value(path, section)) is not None:
            return value
    return None


def auto_mode_is_inert(root: Path, declared: set[str], resolved: dict[str, str] | None) -> bool:
    """The configuration asks for auto mode, but pytest-asyncio is neither declared nor resolved."""
    if configured_mode(root) != "auto" or "pytest-asyncio" in declared:
        return False
    return "pytest-asyncio" not in (resolved or {})


def write_record(root: Path) -> bool:
    """Write ``RECORD`` unless it is there already; True if written."""
    path = root / RECORD
    if path.exists():
        return False
    path.write_text(RECORD_TEXT)
    return True


def recorded_mode(root: Path) -> str | None:
    path = root / RECORD
    if not path.is_file():
        return None
    value = tomllib.loads(path.read_text()).get("asyncio_mode")
    return value if isinstance(value, str) else None


def pytest_configure(config: Any) -> None:
    """Give pytest-asyncio the recorded mode unless ``--asyncio-mode`` was given.

    pytest-asyncio reads ``--asyncio-mode`` before its ini value, each time it
    decides (at collection and per fixture), never at configure: setting the
    option here holds for the whole run, in every xdist worker.
    """
    mode = recorded_mode(ROOT)
    if mode is not None and getattr(config.option, "asyncio_mode", "") is None:
        config.option.asyncio_mode = mode


def pytest_report_header(config: Any) -> str | None:
    mode = recorded_mode(ROOT)
    if mode is None or getattr(config.option, "asyncio_mode", None) != mode:
        return None
    return f"test-pyramid: pytest-asyncio runs in {mode} mode, as {RECORD} says"
