"""Each ``pyramid_*`` setting's default is written once, in ``settings.SETTINGS``.

The plugins register their ini settings from that table; the generated
``pyproject.toml`` (``.partials/pytest-options.toml.jinja``), the generated
testing guide's Guardrails table and ``docs/guards.md``'s table repeat names and
defaults for readers. These in-process tests fail when a copy drifts from the
table, or when a plugin registers a setting the table does not define.
"""

from __future__ import annotations

import re
import tomllib
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest

from harness.plugin_modules import PLUGINS, load_plugin
from harness.project import TEMPLATE_ROOT

PYPROJECT_PARTIAL = TEMPLATE_ROOT / "template/.partials/pytest-options.toml.jinja"
TESTING_GUIDE = TEMPLATE_ROOT / "template/docs/testing.md.jinja"
DATABASE_PARTIALS = sorted((TEMPLATE_ROOT / "template/.partials/databases").glob("*.jinja"))
"""Where the settings a database's provider adds get their guide rows (``docs_settings_rows``)."""
GUARDS_REFERENCE = TEMPLATE_ROOT / "docs/guards.md"
NOT_IN_GUARDS_TABLE = {
    "pyramid_guards": "the switch for every guard: the page's introduction names it",
    "pyramid_schema": "how the schema is built, not a guard",
    "pyramid_sqlite_inline": "the fast SQLite path, not a guard",
}
ROW = re.compile(r"^\| `(pyramid_\w+)`(?: / `--[\w-]+`)? \| `([^`]*)` \| (.*) \|$", re.MULTILINE)


class Recorder:
    """Stands in for pytest's parser: keeps what ``pytest_addoption`` registers."""

    def __init__(self) -> None:
        self.ini: dict[str, dict[str, Any]] = {}

    def addini(self, name: str, help: str, type: str | None = None, default: Any = None) -> None:
        assert name not in self.ini, f"{name} registered twice"
        self.ini[name] = {"help": help, "type": type, "default": default}

    def getgroup(self, *args: object, **kwargs: object) -> Recorder:
        return self

    def addoption(self, *args: object, **kwargs: object) -> None:
        """Command-line options are not ini settings."""


@pytest.fixture(scope="module")
def settings() -> ModuleType:
    return load_plugin("settings")


def test_only_the_settings_table_registers_ini_settings() -> None:
    modules = sorted(PLUGINS.glob("*.py*"))
    direct = [path.name for path in modules if ".addini(" in path.read_text()]

    assert direct == ["settings.py"]  # add_setting; every plugin goes through it


def test_add_setting_registers_the_tables_default_help_and_type(settings: ModuleType) -> None:
    recorder = Recorder()
    for name in settings.SETTINGS:
        settings.add_setting(recorder, name)

    assert recorder.ini["pyramid_unit_timeout"] == {
        "help": "seconds before a hanging unit test fails", "type": None, "default": "10",
    }  # fmt: skip
    assert recorder.ini["pyramid_guards"]["type"] == "bool"
    assert recorder.ini["pyramid_guards"]["default"] is True
    assert recorder.ini["pyramid_strict"]["default"] is False


def test_a_bad_number_is_a_usage_error_whose_example_is_the_tables_default(
    settings: ModuleType,
) -> None:
    config = SimpleNamespace(getini=lambda name: "fast")
    expected = (
        r"^pyramid_integration_timeout = 'fast' in \[tool.pytest.ini_options\]: expected a "
        r"positive number of seconds, e.g. pyramid_integration_timeout = '30'$"
    )

    with pytest.raises(pytest.UsageError, match=expected):
        settings.read_number(config, "pyramid_integration_timeout", unit="seconds")


def test_every_setting_in_the_table_is_used_by_a_plugin(settings: ModuleType) -> None:
    """A plugin names it, literally or as ``f"pyramid_{tier}_timeout"`` over the tiers."""
    texts = "\n".join(
        path.read_text().split("def add_setting")[-1]  # settings.py: what follows the table
        for path in PLUGINS.glob("*.py*")
    )
    templates = re.findall(r'f"(pyramid_[\w{}]+)"', texts)
    patterns = [re.sub(r"\\\{\w+\\\}", r"\\w+", re.escape(found)) for found in templates]
    literals = set(re.findall(r'"(pyramid_\w+)"', texts))

    unused = [
        name
        for name in settings.SETTINGS
        if name not in literals and not any(re.fullmatch(pattern, name) for pattern in patterns)
    ]
    assert unused == []


def test_the_generated_pyproject_sets_each_setting_to_its_default(settings: ModuleType) -> None:
    text = PYPROJECT_PARTIAL.read_text()
    assert not re.search(r"\{[{%#]", text), "the partial holds Jinja: render it before parsing"
    options = tomllib.loads(text)["tool"]["pytest"]["ini_options"]
    ours = {name: value for name, value in options.items() if name.startswith("pyramid_")}

    assert ours, "the partial sets no pyramid_* setting"
    assert set(ours) <= set(settings.SETTINGS), set(ours) - set(settings.SETTINGS)
    assert ours == {name: settings.SETTINGS[name].default for name in ours}


def test_the_testing_guide_lists_every_setting_with_its_default(settings: ModuleType) -> None:
    texts = [TESTING_GUIDE.read_text(), *(partial.read_text() for partial in DATABASE_PARTIALS)]
    rows = {name: (default, what) for text in texts for name, default, what in ROW.findall(text)}

    assert set(rows) == set(settings.SETTINGS)
    assert {name: default for name, (default, _) in rows.items()} == {
        name: setting.default for name, setting in settings.SETTINGS.items()
    }
    assert all(what.strip() for _, what in rows.values())


def test_the_guards_reference_gives_each_guards_settings_their_defaults(
    settings: ModuleType,
) -> None:
    shown: dict[str, str] = {}
    for line in GUARDS_REFERENCE.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")] if line[:1] == "|" else []
        if len(cells) != 4 or "pyramid_" not in cells[2]:
            continue
        names = re.findall(r"`(pyramid_\w+)`", cells[2])
        defaults = re.findall(r"`([^`]*)`", cells[3])
        assert len(names) == len(defaults), f"one default per setting, in order: {line}"
        shown.update(zip(names, defaults, strict=True))

    expected = {
        name: setting.default
        for name, setting in settings.SETTINGS.items()
        if name not in NOT_IN_GUARDS_TABLE
    }
    assert shown == expected
