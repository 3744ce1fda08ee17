"""An ``asyncio_mode = "auto"`` that did nothing before adoption does nothing after it, in-process.

A project can set auto mode without pytest-asyncio installed, its async tests
run by anyio: installing pytest-asyncio for the suite would wake the setting up
and take those tests' async fixtures onto another loop. ``asyncio_mode``
(template/tests/plugins) reads the project's pytest configuration as pytest
would, the adopting command records strict mode when pytest-asyncio is new to
such a project, and the plugin hands that mode to pytest-asyncio as its
command-line option. The whole adoption of such a project is the ``depot``
sample in test_adoption.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

from harness.plugin_modules import load_plugin, loaded_with
from harness.project import TEMPLATE_ROOT


@pytest.fixture(scope="module")
def modes() -> ModuleType:
    return load_plugin("asyncio_mode")


@pytest.mark.parametrize(
    ("files", "mode"),
    [
        ({"pyproject.toml": '[tool.pytest.ini_options]\nasyncio_mode = "auto"\n'}, "auto"),
        ({"pyproject.toml": '[tool.pytest]\nasyncio_mode = "auto"\n'}, "auto"),
        ({"pyproject.toml": "[tool.pytest.ini_options]\ntestpaths = ['tests']\n"}, "strict"),
        ({"pyproject.toml": "[project]\nname = 'x'\n"}, None),
        ({}, None),
        ({"pytest.ini": "[pytest]\nasyncio_mode = auto\n"}, "auto"),
        ({"pytest.ini": "[pytest]\ntestpaths = tests\n"}, "strict"),
        ({"pytest.toml": '[pytest]\nasyncio_mode = "auto"\n'}, "auto"),
        ({"setup.cfg": "[tool:pytest]\nasyncio_mode = auto\n"}, "auto"),
        ({"setup.cfg": "[metadata]\nname = x\n"}, None),
        ({"tox.ini": "[pytest]\nasyncio_mode = auto\n"}, "auto"),
        # pytest reads the first file that configures it, and no other.
        (
            {
                "pytest.ini": "[pytest]\ntestpaths = tests\n",
                "pyproject.toml": '[tool.pytest.ini_options]\nasyncio_mode = "auto"\n',
            },
            "strict",
        ),
        (
            {
                "pyproject.toml": "[project]\nname = 'x'\n",
                "setup.cfg": "[tool:pytest]\nasyncio_mode = auto\n",
            },
            "auto",
        ),
    ],
)
def test_the_mode_is_read_from_the_file_pytest_would_read(
    modes: ModuleType, tmp_path: Path, files: dict[str, str], mode: str | None
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)

    assert modes.configured_mode(tmp_path) == mode


AUTO = '[tool.pytest.ini_options]\nasyncio_mode = "auto"\n'


@pytest.mark.parametrize(
    ("config", "declared", "resolved", "inert"),
    [
        (AUTO, set(), {"pytest": "8.4.2", "anyio": "4.9.0"}, True),
        (AUTO, set(), None, True),
        (AUTO, {"pytest-asyncio"}, None, False),
        (AUTO, set(), {"pytest-asyncio": "0.24.0"}, False),
        ("[tool.pytest.ini_options]\n", set(), {}, False),
        ('[tool.pytest.ini_options]\nasyncio_mode = "strict"\n', set(), {}, False),
    ],
)
def test_auto_mode_is_inert_only_without_pytest_asyncio_declared_or_resolved(
    modes: ModuleType,
    tmp_path: Path,
    config: str,
    declared: set[str],
    resolved: dict[str, str] | None,
    inert: bool,
) -> None:
    (tmp_path / "pyproject.toml").write_text(config)

    assert modes.auto_mode_is_inert(tmp_path, declared, resolved) is inert


def test_the_record_is_written_once_and_read_back(modes: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    assert modes.recorded_mode(tmp_path) is None

    assert modes.write_record(tmp_path) is True
    assert modes.recorded_mode(tmp_path) == "strict"
    (tmp_path / modes.RECORD).write_text('asyncio_mode = "auto"\n')  # the team's edit
    assert modes.write_record(tmp_path) is False
    assert modes.recorded_mode(tmp_path) == "auto"


def fake_config(option: str | None) -> SimpleNamespace:
    return SimpleNamespace(option=SimpleNamespace(asyncio_mode=option))


def test_the_recorded_mode_is_given_to_pytest_asyncio_as_its_option(
    modes: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "tests").mkdir()
    modes.write_record(tmp_path)
    monkeypatch.setattr(modes, "ROOT", tmp_path)
    config = fake_config(None)

    modes.pytest_configure(config)

    assert config.option.asyncio_mode == "strict"
    header = modes.pytest_report_header(config)
    assert header == f"test-pyramid: pytest-asyncio runs in strict mode, as {modes.RECORD} says"


def test_an_asyncio_mode_given_on_the_command_line_wins(
    modes: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "tests").mkdir()
    modes.write_record(tmp_path)
    monkeypatch.setattr(modes, "ROOT", tmp_path)
    config = fake_config("auto")

    modes.pytest_configure(config)

    assert config.option.asyncio_mode == "auto"
    assert modes.pytest_report_header(config) is None


def test_without_a_record_the_configuration_decides(
    modes: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(modes, "ROOT", tmp_path)
    config = fake_config(None)

    modes.pytest_configure(config)

    assert config.option.asyncio_mode is None


class FakeUv:
    """Just enough of ``installers.Installer`` for ``adopting.bring_dependencies``."""

    name = "uv"
    resolved_in = "locked in uv.lock"
    destination = "pyproject.toml's [dependency-groups] dev"

    def __init__(self, root: Path, declared: list[str]) -> None:
        self.root = root
        self.declared = declared
        self.pytest = ["no-such-pytest-on-path"]  # the run before the change cannot start

    @property
    def declarations(self) -> list[object]:
        declaration = load_plugin("install_tools").Declaration
        return [declaration(name, "", "pyproject.toml", "group:dev") for name in self.declared]

    def prepare(self) -> None:
        pass

    def versions(self) -> dict[str, str]:
        return dict.fromkeys(self.declared, "9.9")

    def apply(self, plan: object) -> None:
        for need in plan.add:  # type: ignore[attr-defined]
            self.declared.append(need.split(">")[0].split("=")[0])

    def finish(self) -> None:
        pass


@pytest.fixture
def adopting() -> Iterator[ModuleType]:
    """``adopting``, with the suite's requirements stood in for."""
    load_plugin("versions")
    requirements = SimpleNamespace(
        REQUIREMENTS=["pytest>=8.4,<10", "pytest-asyncio>=1.1,<2"], GREENLET="greenlet>=3.1,<4"
    )
    with loaded_with("adopting", suite_requirements=requirements) as module:
        yield module


def test_the_adopting_command_records_strict_mode_when_pytest_asyncio_is_new(
    adopting: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "pyproject.toml").write_text(AUTO)
    installer = FakeUv(tmp_path, ["pytest", "anyio", "sqlalchemy", "greenlet"])

    adopting.bring_dependencies(installer)

    said = capsys.readouterr().out
    assert "pytest-asyncio" in installer.declared
    assert 'your pytest configuration sets asyncio_mode = "auto", which did nothing' in said
    assert load_plugin("asyncio_mode").recorded_mode(tmp_path) == "strict"

    adopting.bring_dependencies(installer)  # the block's second run

    assert "asyncio_mode" not in capsys.readouterr().out
    assert load_plugin("asyncio_mode").recorded_mode(tmp_path) == "strict"


def test_a_project_that_had_pytest_asyncio_keeps_its_auto_mode(
    adopting: ModuleType, tmp_path: Path
) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "pyproject.toml").write_text(AUTO)
    installer = FakeUv(tmp_path, ["pytest", "pytest-asyncio", "sqlalchemy", "greenlet"])

    adopting.bring_dependencies(installer)

    assert not (tmp_path / load_plugin("asyncio_mode").RECORD).exists()


def test_the_plugin_is_loaded_by_the_adopted_root_conftest_only() -> None:
    conftest = (TEMPLATE_ROOT / "template/conftest.py").read_text()
    assert '"tests.plugins.asyncio_mode"' in conftest
    copier_yml = (TEMPLATE_ROOT / "copier.yml").read_text()
    assert "    tests/plugins/asyncio_mode.py\n" in copier_yml


class Config:
    """``getini`` as pytest answers it: a ValueError for a setting no plugin registered."""

    def __init__(self, settings: dict[str, str]) -> None:
        self.settings = settings

    def getini(self, name: str) -> str:
        if name not in self.settings:
            raise ValueError(f"unknown configuration value: {name!r}")
        return self.settings[name]


@pytest.mark.parametrize(
    ("settings", "scope"),
    [
        ({}, "function"),  # pytest-asyncio 0.24 and 0.25 register no such setting
        ({"asyncio_default_test_loop_scope": ""}, "function"),
        ({"asyncio_default_test_loop_scope": "session"}, "session"),
    ],
)
def test_a_tests_default_loop_scope_is_read_on_every_supported_pytest_asyncio(
    settings: dict[str, str], scope: str
) -> None:
    event_loops = load_plugin("event_loops")

    assert event_loops.default_test_loop_scope(Config(settings)) == scope
