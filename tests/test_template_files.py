"""The template's files follow the README's rule: only files that need rendering carry ``.jinja``.

A ``.jinja`` file without Jinja misleads the reader; a file without the suffix is
copied byte for byte.
"""

from __future__ import annotations

import re

from harness.project import TEMPLATE_ROOT

TEMPLATE = TEMPLATE_ROOT / "template"
JINJA_SYNTAX = re.compile(r"\{\{|\{%|\{#")
PARTIALS = TEMPLATE / ".partials"
"""Read only through ``{% include %}``, so always rendered: they keep the suffix."""


def test_every_jinja_file_outside_the_partials_holds_jinja() -> None:
    needless = [
        str(path.relative_to(TEMPLATE))
        for path in TEMPLATE.rglob("*.jinja")
        if PARTIALS not in path.parents and not JINJA_SYNTAX.search(path.read_text())
    ]

    assert needless == [], "drop the .jinja suffix of these files (they hold no Jinja)"
