"""Poetry pins updated where they are written, losing nothing, in-process.

A Poetry project may keep its test pins in the legacy ``[tool.poetry.dev-dependencies]``
and its driver as an inline table with extras. ``poetry add`` would write a second
constraint into ``[tool.poetry.group.dev.dependencies]`` (the next resolve then
fails on two pytest constraints) and drop the extras; ``poetry_pins`` edits the
pin's own line instead and ``Poetry.apply`` resolves with ``poetry update``.
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

from harness.plugin_modules import load_plugin

LEGACY_PROJECT = """\
[tool.poetry]
name = "weather-api"

[tool.poetry.dependencies]
python = "^3.10"
asyncpg = {version = "^0.28.0", extras = ["sa"]}  # the production driver

[tool.poetry.dependencies.sqlalchemy]
version = "^2.0.18"
extras = ["asyncio"]

[[tool.poetry.source]]
name = "mirror"
priority = "supplemental"

[tool.poetry.dev-dependencies]
pytest = "^7.2.1"
"pytest-cov" = '^4.0.0'
flake8 = "~7.0.0"

[tool.poetry.group.dev.dependencies]
pytest-cov = "^4.0.0"
"""
UPDATED = """\
[tool.poetry]
name = "weather-api"

[tool.poetry.dependencies]
python = "^3.10"
asyncpg = {version = ">=0.29,<1", extras = ["sa"]}  # the production driver

[tool.poetry.dependencies.sqlalchemy]
version = ">=2.0.30,<3"
extras = ["asyncio"]

[[tool.poetry.source]]
name = "mirror"
priority = "supplemental"

[tool.poetry.dev-dependencies]
pytest = ">=8.4,<10"
"pytest-cov" = ">=5,<8"
flake8 = "~7.0.0"

[tool.poetry.group.dev.dependencies]
pytest-cov = ">=5,<8"
"""
SUITE = ["pytest>=8.4,<10", "pytest-cov>=5,<8", "pytest-asyncio>=1.1,<2", "asyncpg>=0.29,<1"]


@pytest.fixture(scope="module")
def tools() -> ModuleType:
    return load_plugin("install_tools")


@pytest.fixture(scope="module")
def pins() -> ModuleType:
    return load_plugin("poetry_pins")


def test_the_legacy_dev_table_is_named_as_written_and_is_poetrys_dev_group(
    tools: ModuleType,
) -> None:
    declarations = tools.pyproject_declarations(tomllib.loads(LEGACY_PROJECT))

    pytest_pin = next(entry for entry in declarations if entry.name == "pytest")
    assert pytest_pin.section == "poetry-dev"
    assert pytest_pin.location == "pyproject.toml's [tool.poetry.dev-dependencies]"
    assert tools.test_section("poetry", declarations) == "poetry-dev"
    assert load_plugin("installers").Poetry.flags("poetry-dev") == ["--group", "dev"]


def test_pins_change_only_their_version_where_they_are_written(pins: ModuleType) -> None:
    updates = {
        ("poetry", "asyncpg"): ">=0.29,<1",
        ("poetry", "sqlalchemy"): ">=2.0.30,<3",
        ("poetry-dev", "pytest"): ">=8.4,<10",
        ("poetry-dev", "pytest-cov"): ">=5,<8",
        ("poetry-group:dev", "pytest-cov"): ">=5,<8",
    }

    assert pins.update_pins(LEGACY_PROJECT, updates) == UPDATED


def test_a_pin_that_is_not_one_version_stops_naming_it(pins: ModuleType, tools: ModuleType) -> None:
    text = '[tool.poetry.dev-dependencies]\npytest = [{version = "^7", python = "<3.12"}]\n'

    with pytest.raises(tools.AdoptionError) as raised:
        pins.update_pins(text, {("poetry-dev", "pytest"): ">=8.4,<10"})

    assert str(raised.value) == (
        'pyproject.toml\'s `pytest = [{version = "^7", python = "<3.12"}]` is not a version '
        "string or an inline table with `version`, so it cannot be updated here: change it "
        "by hand to allow >=8.4,<10, then run this again."
    )


def test_poetry_apply_edits_in_place_then_updates_then_adds_to_the_dev_group(
    tools: ModuleType, tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text(LEGACY_PROJECT)
    log = tmp_path / "calls.jsonl"
    record = f"import json, sys; open({str(log)!r}, 'a').write(json.dumps(sys.argv[1:]) + '\\n')"
    poetry = load_plugin("installers").Poetry(tmp_path, [sys.executable, "-c", record])
    declarations = tools.pyproject_declarations(tomllib.loads(LEGACY_PROJECT))
    locked = {"pytest": "7.4.4", "pytest-cov": "4.1.0", "asyncpg": "0.28.0", "greenlet": "3.1"}

    plan = tools.make_plan(SUITE, declarations, locked, "greenlet>=3.1,<4")
    poetry.apply(plan)

    text = (tmp_path / "pyproject.toml").read_text()
    assert text == UPDATED.replace(">=2.0.30,<3", "^2.0.18")
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert calls == [
        ["update", "pytest", "pytest-cov", "asyncpg"],
        ["add", "--group", "dev", "pytest-asyncio>=1.1,<2"],
    ]
    assert "poetry" in poetry.describe().lower()
    assert "[tool.poetry.dev-dependencies]" in poetry.describe()
