"""CHANGELOG.md lists releases a user can act on; docs/updating.md starts with the command.

Headings are the versions Copier reports (the field test of updates tags the
working tree with the newest one and checks Copier records it). The raised lower
bounds and new dependencies are read from the template's ``pyproject.toml`` at
the previous release's commit and now, so a bound raised without a line under
"Upgrading" fails here.
"""

from __future__ import annotations

import re
import subprocess
import tomllib

from harness.project import TEMPLATE_ROOT
from tests.test_update_from_releases import PAST_RELEASES, newest_release

CHANGELOG = (TEMPLATE_ROOT / "CHANGELOG.md").read_text()
PYPROJECT_FILES = (
    "template/pyproject.toml.jinja",
    "template/.partials/test-dependencies.toml.jinja",
)
LOWER_BOUND = re.compile(r'^\s*"([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?>=([0-9][0-9.]*),', re.MULTILINE)
"""A requirement whose lower bound is written out (not chosen by Jinja per Python version)."""
NAME = re.compile(r'^\s*"([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?[<>=!~]', re.MULTILINE)


def release_section(version: str) -> str:
    match = re.search(rf"^## {re.escape(version)}\n(.*?)(?=^## |\Z)", CHANGELOG, re.M | re.S)
    assert match, f"no '## {version}' section in CHANGELOG.md"
    return match.group(1)


def upgrading(version: str) -> str:
    match = re.search(
        r"^### Upgrading.*?\n(.*?)(?=^### |\Z)", release_section(version), re.M | re.S
    )
    assert match, f"the {version} section of CHANGELOG.md has no '### Upgrading' part"
    return match.group(1)


def requirements_at(commit: str | None) -> tuple[dict[str, str], set[str]]:
    """Written-out lower bounds and every requirement name, at ``commit`` or in the tree."""
    text = ""
    for path in PYPROJECT_FILES:
        if commit is None:
            text += (TEMPLATE_ROOT / path).read_text()
        else:
            shown = subprocess.run(
                ["git", "show", f"{commit}:{path}"],
                cwd=TEMPLATE_ROOT, capture_output=True, text=True, check=False,
            )  # fmt: skip
            assert shown.returncode == 0, f"{commit}:{path}: {shown.stderr} (fetch full history)"
            text += shown.stdout
    return dict(LOWER_BOUND.findall(text)), set(NAME.findall(text))


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def test_every_release_heading_is_a_version_newest_first() -> None:
    headings = re.findall(r"^## (.+)$", CHANGELOG, re.MULTILINE)

    assert all(re.fullmatch(r"\d+\.\d+\.\d+", heading) for heading in headings), headings
    assert headings == sorted(headings, key=version_key, reverse=True)
    assert set(PAST_RELEASES) < set(headings)
    assert headings[0] == newest_release()


def test_the_repository_version_is_the_newest_release() -> None:
    pyproject = tomllib.loads((TEMPLATE_ROOT / "pyproject.toml").read_text())

    assert pyproject["project"]["version"] == newest_release()


def test_upgrading_lists_every_raised_lower_bound_and_new_dependency() -> None:
    (previous,) = PAST_RELEASES.values()
    old_bounds, old_names = requirements_at(previous)
    new_bounds, new_names = requirements_at(None)
    text = upgrading(newest_release())

    raised = {
        name: (old_bounds[name], bound)
        for name, bound in new_bounds.items()
        if name in old_bounds and version_key(bound) > version_key(old_bounds[name])
    }
    assert raised, "no raised bound found: the parsing is broken"
    for name, (old, new) in raised.items():
        assert f"`{name}>={new}` (was {old})" in text, name
    for name in new_names - old_names:
        assert f"`{name}>=" in text, name


def test_upgrading_names_trust_and_the_lock_and_updating_docs_start_with_the_command() -> None:
    text = upgrading(newest_release())
    updating = (TEMPLATE_ROOT / "docs/updating.md").read_text()

    assert "copier update --trust --defaults" in text
    assert "uv.lock" in text
    assert "uv sync --locked" in text
    first_block = re.search(r"```bash\n(.*?)```", updating, re.DOTALL)
    assert first_block is not None
    assert first_block.group(1).startswith("copier update --trust --defaults")
    assert updating.index("```bash") < updating.index("\n## ")
