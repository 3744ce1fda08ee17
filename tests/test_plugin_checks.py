"""The machinery in ``template/tests/plugins`` is plain Python, checked here without a render.

Two modules hold Jinja, ``answers.py.jinja`` (the answers, read at run time)
and ``seams.py.jinja`` (the backend's names); their stubs (``answers.pyi``,
``seams.pyi``, never rendered) let ruff and ``mypy --strict`` check every other
module in this repository, and ``harness.plugin_modules.load_plugin`` import
each one in this process. The stubs are tied to what the two modules define.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from harness.plugin_modules import PLUGINS, load_plugin, render_answers
from harness.project import TEMPLATE_ROOT

TEMPLATE = TEMPLATE_ROOT / "template"
JINJA = re.compile(r"\{\{|\{%")
JINJA_MODULES = {"answers.py.jinja", "seams.py.jinja"}
SEAMS_VARIANTS = sorted((TEMPLATE / ".partials/seams").glob("*.py.jinja"))
PLAIN_MODULES = sorted(path.stem for path in PLUGINS.glob("*.py") if path.name != "__init__.py")


def generated_ruff_rules() -> str:
    """The ``select`` list of the generated ``pyproject.toml``: the same rules here."""
    pyproject = (TEMPLATE / "pyproject.toml.jinja").read_text()
    found = re.search(r"^select = \[(.*)\]$", pyproject, re.MULTILINE)
    assert found is not None
    return ",".join(rule.strip().strip('"') for rule in found.group(1).split(","))


def test_only_the_answers_and_the_seams_hold_jinja() -> None:
    files = [path for path in PLUGINS.iterdir() if path.is_file()]
    templated = {path.name for path in files if JINJA.search(path.read_text())}

    assert templated == JINJA_MODULES


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["check", "format"])
def test_ruff_passes_on_the_plugins_under_the_generated_projects_rules(
    command: list[str],
) -> None:
    settings = [
        f"--config=lint.select={generated_ruff_rules().split(',')}",
        "--config=lint.per-file-ignores={'*.py' = ['UP047']}",
        "--config=lint.isort.known-first-party=['tests']",
    ] if command == ["check"] else []  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *command, "--line-length=100",
         "--target-version=py311", "--no-cache", *settings, "tests/plugins"],
        cwd=TEMPLATE, capture_output=True, text=True, check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_passes_on_the_plugins() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--python-version=3.11",
         "--cache-dir=/dev/null", "tests/plugins"],
        cwd=TEMPLATE, capture_output=True, text=True, check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", [n for n in PLAIN_MODULES if n != "requirements_gate"])
def test_every_plain_plugin_module_loads_in_process(name: str) -> None:
    module = load_plugin(name)

    assert module.__file__ == str(PLUGINS / f"{name}.py")


def test_the_requirements_gate_names_exactly_what_this_environment_lacks() -> None:
    """It checks at import (and stops the run at configure): here, this repository's environment."""
    needs = load_plugin("suite_requirements").RUN_NEEDS
    versions = load_plugin("versions")
    names = [versions.Requirement.parse(need).name for need in needs]
    missing = sorted(name for name in names if not installed(name))

    gate = load_plugin("requirements_gate")

    named = sorted(re.findall(r"^(\S+) is not installed", "\n".join(gate.PROBLEMS), re.MULTILINE))
    assert named == missing


def installed(distribution: str) -> bool:
    try:
        metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return False
    return True


def stub_names(stub: Path) -> set[str]:
    tree = ast.parse(stub.read_text())
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
    return names


def defines(text: str, name: str) -> bool:
    """``name`` is bound at the top of a module's text: assigned, defined or imported."""
    patterns = (
        rf"^{name}\b[^=\n]*=",
        rf"^(async )?def {name}\(",
        rf"^    {name},$",
        rf"^from \S+ import .*\b{name}\b",
    )
    return any(re.search(pattern, text, re.MULTILINE) for pattern in patterns)


@pytest.mark.parametrize("variant", SEAMS_VARIANTS, ids=[p.name for p in SEAMS_VARIANTS])
def test_each_seams_variant_defines_what_the_stub_declares(variant: Path) -> None:
    text = variant.read_text()
    only_adopted = {"application_engine"}  # binding, which only adopted projects get
    declared = stub_names(PLUGINS / "seams.pyi")
    if "reference" in variant.name:
        declared -= only_adopted

    assert declared
    assert [name for name in sorted(declared) if not defines(text, name)] == []


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
@pytest.mark.parametrize("backend", ["reference", "existing"])
def test_the_answers_define_what_their_stub_declares(backend: str, database: str) -> None:
    rendered = render_answers(backend=backend, database=database)
    namespace: dict[str, object] = {}
    exec(compile(rendered, "answers.py", "exec"), namespace)

    assert stub_names(PLUGINS / "answers.pyi") <= set(namespace)
    assert namespace["DATABASE"] == database
    assert namespace["BACKEND"] == backend
