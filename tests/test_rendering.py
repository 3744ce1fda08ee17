"""`copier copy` renders the documented layout from the answers, trust-free."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import yaml

from harness.answers import render_files
from harness.project import TEMPLATE_ROOT, GeneratedProject, render

GUIDE_LAYOUT = [
    "tests/conftest.py",
    "tests/fixtures/__init__.py",
    "tests/unit/domain",
    "tests/unit/application",
    "tests/unit/infrastructure",
    "tests/integration/connectors",
    "tests/integration/repositories",
    "tests/integration/use_cases",
    "tests/e2e",
]
BACKEND_LAYERS = [
    "domain",
    "application",
    "infrastructure/persistence",
    "infrastructure/connectors",
    "interface",
]


def test_default_render_has_the_guides_test_layout_and_backend_layers(
    default_project: GeneratedProject,
) -> None:
    missing = [path for path in GUIDE_LAYOUT if not (default_project.root / path).exists()]
    missing += [
        layer
        for layer in BACKEND_LAYERS
        if not (default_project.root / "src/music_library" / layer / "__init__.py").is_file()
    ]
    assert missing == []


def test_every_test_folder_is_a_package_so_tests_fixtures_imports(
    default_project: GeneratedProject,
) -> None:
    test_dirs = [
        p
        for p in (default_project.root / "tests").rglob("*")
        if p.is_dir() and p.name != "__pycache__"
    ]
    assert [d for d in test_dirs if not (d / "__init__.py").exists()] == []


def test_answers_file_records_answers_and_template_commit(
    default_project: GeneratedProject,
) -> None:
    answers = yaml.safe_load(default_project.read(".copier-answers.yml"))

    assert answers["package_name"] == "music_library"
    assert answers["python_version"] == "3.11"
    assert answers["_src_path"] == str(TEMPLATE_ROOT)
    assert "_commit" in answers


def has_jinja(text: str) -> bool:
    """Jinja markers, not counting GitHub Actions expressions (``${{ matrix.group }}``)."""
    text = text.replace("${{", "")
    return "{{" in text or "{%" in text


def test_rendered_files_contain_no_unrendered_jinja(default_project: GeneratedProject) -> None:
    leftovers = [
        str(path.relative_to(default_project.root))
        for path in default_project.root.rglob("*")
        if path.is_file()
        and ".venv" not in path.parts
        and path.suffix in {".py", ".toml", ".md", ".yml", ".cfg"}
        and has_jinja(path.read_text())
    ]
    assert leftovers == []
    assert not list(default_project.root.rglob("*.jinja"))


@pytest.mark.render
def test_package_name_is_derived_from_the_project_name(tmp_path: Path) -> None:
    root = render(tmp_path / "radio", project_name="Indie Radio 2.0!")

    assert (root / "src/indie_radio_2_0/__init__.py").is_file()
    pyproject = tomllib.loads((root / "pyproject.toml").read_text())
    assert pyproject["project"]["name"] == "indie-radio-2-0"
    assert pyproject["project"]["scripts"]["music-library"] == "indie_radio_2_0.interface.cli:main"


@pytest.mark.render
@pytest.mark.parametrize("python_version", ["3.12", "3.14"])
def test_python_version_sets_requires_python_and_tool_targets(
    tmp_path: Path, default_project: GeneratedProject, python_version: str
) -> None:
    root = render(tmp_path / "project", python_version=python_version)
    pyproject = tomllib.loads((root / "pyproject.toml").read_text())

    assert pyproject["project"]["requires-python"] == f">={python_version}"
    assert pyproject["tool"]["ruff"]["target-version"] == "py" + python_version.replace(".", "")
    assert pyproject["tool"]["mypy"]["python_version"] == python_version
    lint = GeneratedProject(root, default_project.venv).run(
        default_project.bin("ruff"), "check", "."
    )
    assert lint.returncode == 0, lint.stdout


@pytest.mark.render
def test_quoted_answers_render_valid_toml(tmp_path: Path) -> None:
    root = render(
        tmp_path / "project",
        description='Playlists "for real" \\ with a backslash',
        author_name="O'Brien",
    )
    pyproject = tomllib.loads((root / "pyproject.toml").read_text())

    assert pyproject["project"]["description"] == 'Playlists "for real" \\ with a backslash'
    assert pyproject["project"]["authors"] == [{"name": "O'Brien", "email": "you@example.com"}]


def test_copier_configuration_never_needs_trust_to_copy() -> None:
    config = yaml.safe_load((TEMPLATE_ROOT / "copier.yml").read_text())

    assert "_tasks" not in config
    assert "_jinja_extensions" not in config
    assert config["_envops"]["undefined"] == "jinja2.StrictUndefined"


# -- the same answers, pyproject.toml rendered in-process (harness.answers) ----


def test_a_derived_package_name_names_the_distribution_and_the_script(tmp_path: Path) -> None:
    root = render_files(tmp_path, ["pyproject.toml"], project_name="Indie Radio 2.0!")
    pyproject = tomllib.loads((root / "pyproject.toml").read_text())

    assert pyproject["project"]["name"] == "indie-radio-2-0"
    assert pyproject["project"]["scripts"]["music-library"] == "indie_radio_2_0.interface.cli:main"


@pytest.mark.parametrize("python_version", ["3.11", "3.12", "3.13", "3.14"])
def test_python_version_sets_requires_python_and_tool_targets_in_pyproject(
    tmp_path: Path, python_version: str
) -> None:
    root = render_files(tmp_path, ["pyproject.toml"], python_version=python_version)
    pyproject = tomllib.loads((root / "pyproject.toml").read_text())

    assert pyproject["project"]["requires-python"] == f">={python_version}"
    assert pyproject["tool"]["ruff"]["target-version"] == "py" + python_version.replace(".", "")
    assert pyproject["tool"]["mypy"]["python_version"] == python_version


def test_quoted_answers_land_in_valid_toml(tmp_path: Path) -> None:
    description = 'Playlists "for real" \\ with a backslash'
    answers = {"description": description, "author_name": "O'Brien"}
    root = render_files(tmp_path, ["pyproject.toml"], **answers)
    pyproject = tomllib.loads((root / "pyproject.toml").read_text())

    assert pyproject["project"]["description"] == description
    assert pyproject["project"]["authors"] == [{"name": "O'Brien", "email": "you@example.com"}]
