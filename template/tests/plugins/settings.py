"""The ``pyramid_*`` settings: one option group, typed values, usage errors for bad ones.

Every plugin here reads its settings through these helpers, so a wrong value in
``[tool.pytest.ini_options]`` stops the run at once with the key, the value and
what is accepted.
"""

from __future__ import annotations

import warnings

import pytest

GROUP = "pyramid"


def option_group(parser: pytest.Parser) -> pytest.OptionGroup:
    return parser.getgroup(GROUP, "test pyramid guardrails (tests/plugins)")


def read_number(config: pytest.Config, name: str, *, unit: str, example: str) -> float:
    """A positive number from the ini file (or ``-o name=value``)."""
    raw = str(config.getini(name)).strip()
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise pytest.UsageError(
            f"{name} = {raw!r} in [tool.pytest.ini_options]: expected a positive number "
            f"of {unit}, e.g. {name} = {example!r}"
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


ASYNCIO_LOOP_SCOPE_REMINDER = (
    'The configuration option "asyncio_default_fixture_loop_scope" is unset'
)


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
    parser.addini("pyramid_strict", "same as --pyramid-strict", type="bool", default=False)
    parser.addini(
        "pyramid_guards",
        "per-test guards (database, budgets, hang timeouts); false only to measure them",
        type="bool",
        default=True,
    )
