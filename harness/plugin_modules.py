"""Plugin modules of the generated project that need no rendering, imported from the template.

Modules of ``template/tests/plugins`` without Jinja (``owners``, ``targets``,
``session_seam``...) hold the machinery's pure functions. Importing them here,
under a stand-in package so that their relative imports work, gives them fast
in-process tests instead of a render per check.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType

from .project import TEMPLATE_ROOT

PLUGINS = TEMPLATE_ROOT / "template/tests/plugins"
PACKAGE = "template_plugins"
"""The stand-in package's name, so that nothing clashes with the template repo's own tests."""


def load_plugin(name: str) -> ModuleType:
    """``template/tests/plugins/<name>.py`` as ``template_plugins.<name>``."""
    if PACKAGE not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            PACKAGE, PLUGINS / "__init__.py", submodule_search_locations=[str(PLUGINS)]
        )
        assert spec is not None
        assert spec.loader is not None
        package = importlib.util.module_from_spec(spec)
        sys.modules[PACKAGE] = package
        spec.loader.exec_module(package)
    return importlib.import_module(f"{PACKAGE}.{name}")


def plugin_arguments(*names: str) -> list[str]:
    """``-p template_plugins.<name>`` for each name, loaded: for an in-process ``pytester`` run."""
    arguments: list[str] = []
    for name in names:
        arguments += ["-p", load_plugin(name).__name__]
    return arguments
