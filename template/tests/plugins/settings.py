"""The ``pyramid_*`` settings: one option group, typed values, usage errors for bad ones.

Every plugin here reads its settings through these helpers, so a wrong value in
``[tool.pytest.ini_options]`` stops the run at once with the key, the value and
what is accepted. ``SETTINGS`` is the one place each ini setting's default and
help are written: the plugin that uses a setting registers it from there
(``add_setting``), and the template's tests check the docs' tables and the
generated ``pyproject.toml`` against it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import pytest

ASYNCIO_LOOP_SCOPE_REMINDER = (
    'The configuration option "asyncio_default_fixture_loop_scope" is unset'
)


@dataclass(frozen=True)
class Setting:
    """One ini setting: its default as written in ``pyproject.toml``, and its help."""

    name: str
    default: str
    help: str

    @property
    def flag(self) -> bool:
        """A true/false setting, which pytest reads as a ``bool``."""
        return self.default in ("true", "false")


SETTINGS = {
    setting.name: setting
    for setting in (
        Setting("pyramid_strict", "false", "same as --pyramid-strict"),
        Setting(
            "pyramid_guards",
            "true",
            "per-test guards (database, budgets, hang timeouts); false only to measure them",
        ),
        Setting("pyramid_unit_budget_ms", "100", "time budget of one unit test, in milliseconds"),
        Setting(
            "pyramid_integration_budget_ms",
            "1000",
            "time budget of one integration test, in milliseconds",
        ),
        Setting("pyramid_target", "60/35/5", "target shares unit/integration/e2e"),
        Setting(
            "pyramid_tolerance",
            "10",
            "allowed distance from each target share, in percentage points",
        ),
        Setting("pyramid_unit_timeout", "10", "seconds before a hanging unit test fails"),
        Setting(
            "pyramid_integration_timeout", "30", "seconds before a hanging integration test fails"
        ),
        Setting("pyramid_e2e_timeout", "120", "seconds before a hanging e2e test fails"),
        Setting(
            "pyramid_schema",
            "migrations",
            "how the test database's schema is built: migrations (alembic upgrade head, "
            "when the project has an Alembic config) or create_all",
        ),
        Setting(
            "pyramid_sqlite_inline",
            "true",
            "run the test connection's SQLite calls on the event loop's thread "
            "(false: aiosqlite's thread, as in production)",
        ),
    )
}
"""Every ``pyramid_*`` ini setting, by name; the docs and ``pyproject.toml`` repeat these."""


def add_setting(parser: pytest.Parser, name: str) -> None:
    """Register the ini setting ``name`` as ``SETTINGS`` defines it."""
    setting = SETTINGS[name]
    if setting.flag:
        parser.addini(name, setting.help, type="bool", default=setting.default == "true")
    else:
        parser.addini(name, setting.help, default=setting.default)


def default_of(name: str) -> str:
    """The default of the ini setting ``name``, as ``pyproject.toml`` would spell it."""
    return SETTINGS[name].default


def option_group(parser: pytest.Parser) -> pytest.OptionGroup:
    return parser.getgroup("pyramid", "test pyramid guardrails (tests/plugins)")


def read_number(
    config: pytest.Config, name: str, *, unit: str, example: str | None = None
) -> float:
    """A positive number from the ini file (or ``-o name=value``).

    A bad value is a usage error whose example is ``example`` or, by default,
    the setting's default in ``SETTINGS``.
    """
    raw = str(config.getini(name)).strip()
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise pytest.UsageError(
            f"{name} = {raw!r} in [tool.pytest.ini_options]: expected a positive number "
            f"of {unit}, e.g. {name} = {example or default_of(name)!r}"
        )
    return value


def read_flag(config: pytest.Config, name: str) -> bool:
    """A boolean ini value; pytest itself rejects values that are not true/false."""
    return bool(config.getini(name))


def guards_enabled(config: pytest.Config) -> bool:
    """``pyramid_guards = false`` turns every per-test guard off (for benchmarking)."""
    return read_flag(config, "pyramid_guards")


def strict(config: pytest.Config) -> bool:
    """``--pyramid-strict`` or ``pyramid_strict = true``: guard findings fail the run."""
    return bool(config.getoption("pyramid_strict")) or read_flag(config, "pyramid_strict")


# -- hooks -------------------------------------------------------------------


@pytest.hookimpl(tryfirst=True)  # before pytest-asyncio's own pytest_configure
def pytest_configure(config: pytest.Config) -> None:
    """Silence pytest-asyncio's reminder to set a default loop scope, which is not about us.

    The suite's async fixtures and tests declare their loop scope themselves,
    and a project adopting the suite keeps its own asyncio settings; under
    ``filterwarnings = error`` that reminder would otherwise stop every run of
    a project that did not use pytest-asyncio before.
    """
    warnings.filterwarnings(
        "ignore", message=ASYNCIO_LOOP_SCOPE_REMINDER, category=pytest.PytestDeprecationWarning
    )


def pytest_addoption(parser: pytest.Parser) -> None:
    group = option_group(parser)
    group.addoption(
        "--pyramid-strict",
        action="store_true",
        default=False,
        help="fail tests over their tier budget and full runs whose shape is off target",
    )
    add_setting(parser, "pyramid_strict")
    add_setting(parser, "pyramid_guards")
