"""Throwaway environments for the peers the template is compared with.

Each peer gets a folder of its own and a virtual environment made with uv,
its packages pinned by range (nothing is locked or committed). The folders
live in the benchmark's work directory and go with it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from harness.project import GeneratedProject

from . import peer_django, peer_sqla
from .durations import BenchmarkRunError
from .generated_tests import MODULE_HEADER, package_name

PEER_TESTS = "test_peer.py"


def django_peer(workdir: Path, python: str, tests_per_strategy: int) -> GeneratedProject:
    """A Django project with the three tables and the interleaved tests."""
    root = workdir / "peer-django"
    peer = _environment(root, python, peer_django.REQUIREMENTS)
    for relative_path, text in peer_django.FILES.items():
        peer.write(relative_path, text)
    peer.write(PEER_TESTS, peer_django.test_module(tests_per_strategy))
    return peer


def sqla_peer(
    workdir: Path, project: GeneratedProject, tests_per_strategy: int
) -> GeneratedProject:
    """pytest-sqla with the rendered project installed, running the template's work."""
    root = workdir / "peer-sqla"
    package = package_name(project)
    peer = _environment(
        root, project.bin("python"), (*peer_sqla.REQUIREMENTS, "--editable", str(project.root))
    )
    peer.write(
        "pytest.ini",
        peer_sqla.PYTEST_INI.substitute(
            database=root / "sqla.db", package=package, project_root=project.root
        ),
    )
    peer.write("conftest.py", peer_sqla.CONFTEST)
    header = MODULE_HEADER.substitute(
        package=package, description="the same work under pytest-sqla"
    )
    peer.write(PEER_TESTS, peer_sqla.test_module(header, tests_per_strategy))
    return peer


def _environment(root: Path, python: str, requirements: tuple[str, ...]) -> GeneratedProject:
    root.mkdir(parents=True, exist_ok=True)
    peer = GeneratedProject(root=root, venv=root / ".venv")
    for command in (
        ("uv", "venv", "--quiet", "--python", python, str(peer.venv)),
        ("uv", "pip", "install", "--quiet", "--python", peer.bin("python"), *requirements),
    ):
        result = peer.run(*command)
        if result.returncode != 0:
            raise BenchmarkRunError(
                f"{' '.join(command)} exited {result.returncode}:\n{result.stderr[-2000:]}"
            )
    print(f"benchmark: peer environment ready in {root}", file=sys.stderr, flush=True)
    return peer
