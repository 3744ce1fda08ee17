"""Build an expensive thing once per test session, even when pytest-xdist runs several workers.

A session fixture runs once per worker: with ``-n 2`` the default render would be
rendered, installed and its suite run twice. ``build_once`` puts the result in the
session's shared temporary folder; the first worker to get there builds it under a
file lock (the generated suite's own, ``owners.locked``), the others wait and
reuse it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from .plugin_modules import load_plugin
from .project import GeneratedProject


def session_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The temporary folder every worker of this session sees (each worker's parent)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if "PYTEST_XDIST_WORKER" in os.environ else base


def build_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]
) -> Path:
    """``session_folder/name``, made by ``build(folder)`` the first time any worker asks.

    A build that raised is not recorded as done: the next worker to ask tries again
    and gets the same error, so every test that needs it fails with the cause.
    """
    locked = load_plugin("owners").locked  # the generated suite's lock, written once
    root = session_folder(tmp_path_factory)
    folder, done = root / name, root / f"{name}.built"
    with locked(root / f"{name}.lock"):
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)  # what a failed build left
            folder.mkdir()
            build(folder)
            done.touch()
    return folder


def shared_render(
    tmp_path_factory: pytest.TempPathFactory, name: str, **answers: object
) -> GeneratedProject:
    """The template rendered with ``answers`` and installed, once for every worker."""
    folder = build_once(
        tmp_path_factory,
        name,
        lambda folder: GeneratedProject.create(folder / "music-library", **answers),
    )
    root = folder / "music-library"
    return GeneratedProject(root, root / ".venv")


def collected_ids(project: GeneratedProject, *args: str) -> list[str]:
    """The node ids ``pytest --collect-only`` selects with ``args``, asked once per session.

    Only for the shared renders, which no test edits: the answer is kept beside the
    project, so the second xdist worker reads it instead of collecting again.
    """
    locked = load_plugin("owners").locked
    key = hashlib.sha256("\0".join(args).encode()).hexdigest()[:16]
    record = project.root.parent / f"collected-{key}.json"
    with locked(record.with_suffix(".lock")):
        if not record.exists():
            run = project.pytest("--collect-only", "-q", *args)
            assert run.returncode == 0, run.output
            ids = [line for line in run.output.splitlines() if "::" in line]
            record.write_text(json.dumps(ids))
    ids: list[str] = json.loads(record.read_text())
    return ids
