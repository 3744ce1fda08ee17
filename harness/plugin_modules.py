"""Plugin modules of the generated project, imported from the template in this process.

Every module of ``template/tests/plugins`` but two is plain Python: importing
it here, under a stand-in package so that its relative imports work, gives it
fast in-process tests instead of a render per check. The two with Jinja get
stand-ins: ``answers`` is ``answers.py.jinja`` rendered with the answers given
(the default render's unless a test says otherwise), and ``seams`` is a backend
of one table (``harness/stand_in_seams.py``), since the real one names an
application.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import jinja2

from .project import TEMPLATE_ROOT

PLUGINS = TEMPLATE_ROOT / "template/tests/plugins"
PACKAGE = "template_plugins"
"""The stand-in package's name, so that nothing clashes with the template repo's own tests."""
DEFAULT_ANSWERS: dict[str, Any] = {
    "backend": "reference",
    "database": "sqlite",
    "package_name": "music_library",
    "migrations": "alembic.ini",
    "database_url_env": "DATABASE_URL",
    "python_version": "3.11",
    "ci": "github",
    "ci_shards": "1",
}
"""What ``answers.py.jinja`` is rendered with: ``copier.yml``'s defaults."""
STAND_IN_SEAMS = Path(__file__).with_name("stand_in_seams.py")


def load_plugin(name: str) -> ModuleType:
    """``template/tests/plugins/<name>.py`` as ``template_plugins.<name>``."""
    if PACKAGE not in sys.modules:
        package = _module_from(PACKAGE, PLUGINS / "__init__.py", package=True)
        sys.modules[PACKAGE] = package
        _exec(package)
        install_answers()
        seams = _module_from(f"{PACKAGE}.seams", STAND_IN_SEAMS)
        sys.modules[seams.__name__] = seams
        _exec(seams)
    return importlib.import_module(f"{PACKAGE}.{name}")


def render_answers(**answers: Any) -> str:
    """The text of ``tests/plugins/answers.py`` for these answers (the others: the defaults)."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_ROOT),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    template = environment.get_template("template/tests/plugins/answers.py.jinja")
    return template.render({**DEFAULT_ANSWERS, **answers})


def install_answers(**answers: Any) -> ModuleType:
    """Make ``template_plugins.answers`` the answers module rendered with ``answers``.

    Modules that read it at import (``from .answers import DATABASE``) keep the
    value they read: load those again (``importlib.reload``) to see new answers.
    """
    module = ModuleType(f"{PACKAGE}.answers")
    module.__file__ = str(PLUGINS / "answers.py")
    module.__package__ = PACKAGE
    exec(compile(render_answers(**answers), module.__file__, "exec"), module.__dict__)
    sys.modules[module.__name__] = module
    return module


def _module_from(name: str, path: Path, *, package: bool = False) -> ModuleType:
    locations = [str(path.parent)] if package else None
    spec = importlib.util.spec_from_file_location(name, path, submodule_search_locations=locations)
    assert spec is not None
    assert spec.loader is not None
    return importlib.util.module_from_spec(spec)


def _exec(module: ModuleType) -> None:
    assert module.__spec__ is not None
    assert module.__spec__.loader is not None
    module.__spec__.loader.exec_module(module)


def plugin_arguments(*names: str) -> list[str]:
    """``-p template_plugins.<name>`` for each name, loaded: for an in-process ``pytester`` run."""
    arguments: list[str] = []
    for name in names:
        arguments += ["-p", load_plugin(name).__name__]
    return arguments


@contextmanager
def loaded_with(name: str, **stand_ins: object) -> Iterator[ModuleType]:
    """Plugin ``name`` loaded afresh with some of its sibling modules stood in for.

    ``loaded_with("adopting", suite_requirements=SimpleNamespace(REQUIREMENTS=[]))``:
    the module reads the stand-in at import; ``sys.modules`` is put back afterwards.
    """
    names = [f"{PACKAGE}.{name}", *(f"{PACKAGE}.{sibling}" for sibling in stand_ins)]
    saved = {module_name: sys.modules.pop(module_name, None) for module_name in names}
    for sibling, stand_in in stand_ins.items():
        sys.modules[f"{PACKAGE}.{sibling}"] = stand_in  # type: ignore[assignment]
    try:
        yield load_plugin(name)
    finally:
        for module_name, module in saved.items():
            sys.modules.pop(module_name, None)
            if module is not None:
                sys.modules[module_name] = module
