"""``copier.yml``'s validators evaluated in-process: every refusal checked without a render.

Copier renders each question's ``when``, ``default`` and ``validator`` with Jinja
(its sandbox, ``jinja2_ansible_filters`` for ``regex_search``, the template's
``_envops``), question after question, and refuses the first answer whose validator
prints something. ``first_refusal`` does the same on this template's ``copier.yml``,
so the default test run checks every message in a few milliseconds;
``tests/test_answer_validation.py`` also checks them through a real ``copier copy``
(marker ``render``), which keeps this evaluation honest.
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from .project import TEMPLATE_ROOT

TRUE = frozenset({"true", "yes", "y", "on", "1"})


@functools.cache
def questions() -> Mapping[str, Mapping[str, Any]]:
    """The questions of ``copier.yml``, in the order Copier asks them."""
    config = yaml.safe_load((TEMPLATE_ROOT / "copier.yml").read_text())
    return {name: spec for name, spec in config.items() if not name.startswith("_")}


@functools.cache
def environment() -> SandboxedEnvironment:
    """A Jinja environment set up as Copier sets up its own for this template."""
    config = yaml.safe_load((TEMPLATE_ROOT / "copier.yml").read_text())
    envops = dict(config.get("_envops", {}))
    assert envops.pop("undefined", "jinja2.StrictUndefined") == "jinja2.StrictUndefined"
    return SandboxedEnvironment(
        loader=FileSystemLoader(TEMPLATE_ROOT),
        extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"],
        undefined=StrictUndefined,
        **envops,
    )


def first_refusal(**answers: object) -> str | None:
    """Copier's message for the first refused answer (given or default), or None."""
    return resolve(answers)[1]


def resolved(**answers: object) -> dict[str, object]:
    """Every answer as Copier would record it: the given ones and the rendered defaults."""
    values, refusal = resolve(answers)
    assert refusal is None, refusal
    return values


def resolve(answers: Mapping[str, object]) -> tuple[dict[str, object], str | None]:
    """The answers so far and the first refusal, question after question, as Copier asks."""
    context: dict[str, object] = {}
    for name, spec in questions().items():
        asked = typed("bool", render(spec.get("when", True), context))
        value = answers[name] if name in answers else render(spec.get("default"), context)
        context[name] = typed(spec.get("type", "str"), value)
        problem = str(render(spec.get("validator", ""), context)).strip() if asked else ""
        if problem:
            return context, f"Validation error for question '{name}': {problem}"
    return context, None


def render(value: object, context: Mapping[str, object]) -> object:
    """A string is a Jinja template (as every value in ``copier.yml``); others stay."""
    if not isinstance(value, str):
        return value
    return environment().from_string(value).render(context)


def typed(kind: str, value: object) -> object:
    """An answer as the question's ``type`` makes it."""
    if kind == "bool":
        return value if isinstance(value, bool) else str(value).strip().lower() in TRUE
    if kind == "int":
        return int(str(value))
    return "" if value is None else str(value)


def render_files(destination: Path, paths: Iterable[str], **answers: object) -> Path:
    """Only these files of a render (``template/<path>`` or its ``.jinja``), in-process.

    A path may hold Jinja, as the template's do (``src/{{ package_name }}/__init__.py``).

    For tests that read a few rendered files and not the project: Copier's whole
    copy (``harness.project.render``) also picks files by ``_exclude``, which this
    does not.
    """
    context = resolved(**answers)
    for path in paths:
        source = TEMPLATE_ROOT / "template" / path
        target = destination / str(render(path, context))  # src/{{ package_name }}/...
        target.parent.mkdir(parents=True, exist_ok=True)
        jinja = source.with_name(source.name + ".jinja")
        if jinja.is_file():
            name = jinja.relative_to(TEMPLATE_ROOT).as_posix()
            target.write_text(environment().get_template(name).render(context))
        else:
            shutil.copyfile(source, target)
    return destination
