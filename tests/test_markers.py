"""The markers are where pytest users look, and the plugin registers the same ones, once.

The reference render lists them in ``[tool.pytest.ini_options] markers``;
``tests/plugins/tiers.py`` registers them too, since an adopting project has no
pyproject of ours. Both lists must say the same, and a marker both register is
listed once.
"""

from __future__ import annotations

import re
import tomllib

import pytest

from harness.plugin_modules import load_plugin
from harness.project import GeneratedProject

GUIDE_MARKERS = ("unit", "integration", "e2e", "slow", "performance", "diagnostic")


class RecordingConfig:
    """The two methods of ``pytest.Config`` that ``tiers.register_markers`` calls."""

    def __init__(self, markers: list[str]) -> None:
        self.markers = list(markers)

    def getini(self, name: str) -> list[str]:
        assert name == "markers"
        return self.markers

    def addinivalue_line(self, name: str, line: str) -> None:
        assert name == "markers"
        self.markers.append(line)


def test_reference_pyproject_lists_the_markers_the_plugin_registers(
    default_project: GeneratedProject,
) -> None:
    pyproject = tomllib.loads(default_project.read("pyproject.toml"))

    configured = pyproject["tool"]["pytest"]["ini_options"]["markers"]

    assert configured == list(load_plugin("tiers").MARKERS)
    assert [line.split(":", 1)[0] for line in configured] == list(GUIDE_MARKERS)


def test_plugin_registers_each_marker_once_next_to_the_configured_ones() -> None:
    tiers = load_plugin("tiers")
    config = RecordingConfig([*tiers.MARKERS, "nightly: our own"])

    tiers.register_markers(config)

    assert config.markers == [*tiers.MARKERS, "nightly: our own"]


def test_plugin_registers_every_marker_where_the_configuration_has_none() -> None:
    tiers = load_plugin("tiers")
    config = RecordingConfig(["slow(reason): ours, described our way"])

    tiers.register_markers(config)

    assert config.markers == [
        "slow(reason): ours, described our way",
        *(line for line in tiers.MARKERS if not line.startswith("slow:")),
    ]


@pytest.mark.render
def test_generated_project_shows_each_marker_once(default_project: GeneratedProject) -> None:
    run = default_project.pytest("--markers")

    assert run.returncode == 0, run.output
    for name in GUIDE_MARKERS:
        assert len(re.findall(rf"^@pytest\.mark\.{name}:", run.output, re.MULTILINE)) == 1, name
