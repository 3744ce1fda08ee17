"""The documentation site builds strictly and says what the code does.

The questions page is checked against copier.yml, the guard messages against
the plugins of a rendered project (and marked to wrap on the page), the
navigation against the pages, and the quickstart's commands are run.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.project import TEMPLATE_ROOT, GeneratedProject, clean_environment

DOCS = TEMPLATE_ROOT / "docs"
GUARD_MESSAGES = {
    "guards": [
        "LOCK_MESSAGE",
        "UNIT_FIXTURE_MESSAGE",
        "UNIT_CONNECTION_MESSAGE",
        "PRODUCTION_MESSAGE",
    ],
    "tracker": ["POLLUTION_MESSAGE", "POLLUTED_TABLE_LINE", "UNDELETABLE_MESSAGE"],
    "pollution": ["LEFTOVER_ROWS_MESSAGE", "LEFTOVER_TABLE_LINE"],
    "transaction_guard": ["ENDED_MESSAGE"],
    "connection_health": [
        "CONCURRENT_MESSAGE",
        "CHANGED_MESSAGE",
        "BROKEN_MESSAGE",
        "DISPOSED_MESSAGE",
    ],
    "leftover_tasks": [
        "LEFTOVER_TASKS_MESSAGE",
        "TASK_LINE",
        "UNRETRIEVED_MESSAGE",
        "UNRETRIEVED_LINE",
    ],
    "queries": ["TOO_MANY_QUERIES_MESSAGE", "MISUSE_MESSAGE"],
    "hangs": ["HANG_MESSAGE"],
    "budgets": ["OVER_BUDGET_MESSAGE", "STRICT_PREFIX"],
}
DUMP_MESSAGES = """
import json, importlib
names = json.loads({names!r})
out = {{}}
for module, constants in names.items():
    plugin = importlib.import_module(f"tests.plugins.{{module}}")
    for constant in constants:
        out[f"{{module}}.{{constant}}"] = getattr(plugin, constant)
out["budgets.FIXES"] = importlib.import_module("tests.plugins.budgets").FIXES
# guards' messages take the backend's words from seams when one is due (guards.worded)
guards = importlib.import_module("tests.plugins.guards")
kept = {{name: "{{" + name + "}}" for name in ("nodeid", "fixtures", "target", "test_target")}}
for constant in names["guards"]:
    out[f"guards.{{constant}}"] = guards.worded(getattr(guards, constant), **kept)
print(json.dumps(out))
"""


def fenced_blocks(markdown: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", markdown, re.MULTILINE | re.DOTALL)


def questions() -> dict[str, dict[str, Any]]:
    config = yaml.safe_load((TEMPLATE_ROOT / "copier.yml").read_text())
    return {name: spec for name, spec in config.items() if not name.startswith("_")}


def table_rows(markdown: str) -> dict[str, list[str]]:
    rows = {}
    for line in markdown.splitlines():
        match = re.match(r"^\| `(\w+)` \|(.*)\|$", line)
        if match:
            rows[match.group(1)] = [cell.strip() for cell in match.group(2).split("|")]
    return rows


def test_site_builds_in_strict_mode(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=TEMPLATE_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "guards/index.html").is_file()


def test_navigation_lists_every_page_once() -> None:
    config = yaml.safe_load((TEMPLATE_ROOT / "mkdocs.yml").read_text())
    pages = [page for entry in config["nav"] for page in entry.values()]

    assert sorted(pages) == sorted(path.name for path in DOCS.glob("*.md"))
    assert len(pages) == len(set(pages))


def test_guard_message_blocks_wrap_instead_of_scrolling() -> None:
    """A message is one long line in the code; its block carries the class the stylesheet wraps."""
    page = (DOCS / "guards.md").read_text()
    text_fences = [info for info in re.findall(r"^```(.+)$", page, re.MULTILINE) if "text" in info]

    assert len(text_fences) >= len(GUARD_MESSAGES)
    assert set(text_fences) == {"{.text .guard-message}"}
    assert ".guard-message pre > code" in (DOCS / "stylesheets" / "site.css").read_text()


def test_questions_page_lists_every_question_with_its_type_and_default() -> None:
    rows = table_rows((DOCS / "questions.md").read_text())

    assert list(rows) == list(questions())
    for name, spec in questions().items():
        kind, default = rows[name][0], rows[name][1]
        assert kind == spec.get("type", "str"), name
        raw = spec.get("default")
        if isinstance(raw, str) and "{{" in raw:
            assert default.startswith("derived from"), name
        elif raw == "":
            assert default == "empty", name
        else:
            shown = str(raw).lower() if isinstance(raw, bool) else str(raw)
            assert default == f"`{shown}`", name


def test_questions_page_lists_every_choice() -> None:
    rows = table_rows((DOCS / "questions.md").read_text())

    for name, spec in questions().items():
        choices = spec.get("choices", [])
        for choice in choices.values() if isinstance(choices, dict) else choices:
            assert f"`{choice}`" in rows[name][2], (name, choice)


def test_guard_messages_in_the_docs_are_the_messages_the_code_prints(
    default_project: GeneratedProject,
) -> None:
    script = DUMP_MESSAGES.format(names=json.dumps(GUARD_MESSAGES))
    dumped = default_project.run(default_project.bin("python"), "-c", script, check=True)
    messages: dict[str, Any] = json.loads(dumped.stdout)
    page = (DOCS / "guards.md").read_text()

    fixes = messages.pop("budgets.FIXES")
    missing = [name for name, text in messages.items() if text.strip() not in page]
    missing += [f"budgets.FIXES[{tier}]" for tier, text in fixes.items() if text not in page]
    assert missing == []


@pytest.mark.render
def test_quickstart_commands_work_on_a_rendered_project(
    tmp_path: Path, default_project: GeneratedProject
) -> None:
    page = (DOCS / "index.md").read_text()
    render, *in_project = fenced_blocks(page, "bash")
    destination = tmp_path / "my-music-library"

    def run(command: str, cwd: Path) -> None:
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", command],
            cwd=cwd,
            capture_output=True,
            text=True,
            env=clean_environment({"UV_COMPILE_BYTECODE": "1"}),
            check=False,
            timeout=900,
        )
        assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"

    run(render.replace("../my-music-library", str(destination)), TEMPLATE_ROOT)
    for python in fenced_blocks(page, "python"):
        path = python.splitlines()[0].removeprefix("# ")
        (destination / path).write_text(python)
    for block in in_project:
        run(block.replace("cd ../my-music-library\n", ""), destination)
