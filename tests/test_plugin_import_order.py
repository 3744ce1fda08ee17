"""No plugin module is imported before pytest marks it for assertion rewriting, checked in-process.

pytest marks each module of a ``pytest_plugins`` list for assertion rewriting
just before importing it. One that ``suite`` or an earlier plugin already
imported cannot be rewritten, and pytest warns ("Module already imported so
cannot be rewritten"), which the generated project's ``filterwarnings =
error`` turns into a crash of every run. So a plugin that other modules import
when they are imported is listed before them (``fallbacks``), or says
``PYTEST_DONT_REWRITE`` in its docstring (``event_loops``, which ``suite``
imports).
"""

from __future__ import annotations

import ast
import functools

import pytest

from harness.plugin_modules import PLUGINS
from harness.project import TEMPLATE_ROOT

PREFIX = "tests.plugins."


def listed(path: str, name: str) -> list[str]:
    """The ``tests.plugins`` modules a list assigned to ``name`` in ``path`` holds, in order."""
    tree = ast.parse((TEMPLATE_ROOT / path).read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == name for target in node.targets
        ):
            values = ast.literal_eval(node.value)
            return [value.removeprefix(PREFIX) for value in values]
    raise AssertionError(f"{path} assigns no {name}")


def module_level_imports(tree: ast.Module) -> set[str]:
    """The sibling modules a module imports when it is imported (``if TYPE_CHECKING:`` aside)."""
    found: set[str] = set()
    statements: list[ast.stmt] = list(tree.body)
    while statements:
        statement = statements.pop()
        if isinstance(statement, ast.ImportFrom) and statement.level == 1:
            if statement.module is None:
                found.update(alias.name for alias in statement.names)
            else:
                found.add(statement.module.split(".")[0])
        elif isinstance(statement, ast.If):
            if not (isinstance(statement.test, ast.Name) and statement.test.id == "TYPE_CHECKING"):
                statements += [*statement.body, *statement.orelse]
        elif isinstance(statement, ast.Try):
            statements += [*statement.body, *statement.orelse, *statement.finalbody]
    return found


@functools.cache
def imported_with(name: str) -> frozenset[str]:
    """``name`` and every plain module importing it imports, transitively."""
    path = PLUGINS / f"{name}.py"
    if not path.is_file():  # answers and seams (Jinja) import no plugin
        return frozenset({name})
    found = {name}
    for module in module_level_imports(ast.parse(path.read_text())):
        found |= imported_with(module)
    return frozenset(found)


def imported_unmarked(order: list[str]) -> list[str]:
    """The plugins of ``order`` already imported when pytest comes to mark them."""
    imported: set[str] = set()
    late = []
    for name in order:
        docstring = ast.get_docstring(ast.parse((PLUGINS / f"{name}.py").read_text())) or ""
        if name in imported and "PYTEST_DONT_REWRITE" not in docstring:
            late.append(name)
        imported |= imported_with(name)
    return late


@pytest.mark.parametrize(
    "roots",
    [["suite"], listed("template/conftest.py", "SUITE")],
    ids=["reference", "adopted"],
)
def test_every_plugin_is_imported_after_pytest_marks_it(roots: list[str]) -> None:
    order = []
    for root in roots:
        order.append(root)
        if root == "suite":  # pytest registers the suite's list as it registers the suite
            order += listed("template/tests/plugins/suite.py", "pytest_plugins")

    late = imported_unmarked(order)

    assert late == [], (
        f"imported before pytest marks them for assertion rewriting: {late}; list each before "
        "the modules that import it, or put PYTEST_DONT_REWRITE in its docstring"
    )


def test_the_check_finds_a_plugin_imported_before_its_turn() -> None:
    assert imported_unmarked(["hangs", "tiers"]) == ["tiers"]
    assert imported_unmarked(["tiers", "hangs"]) == []
