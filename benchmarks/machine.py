"""Facts about the machine and the software a benchmark ran on, for the report."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import dataclass
from pathlib import Path

from harness.project import GeneratedProject

PACKAGES = ("sqlalchemy", "aiosqlite", "pytest", "pytest-asyncio", "pytest-xdist")

VERSIONS_SCRIPT = f"""
import importlib.metadata, json, platform, sqlite3
print(json.dumps({{
    "python": platform.python_version(),
    "sqlite": sqlite3.sqlite_version,
    **{{name: importlib.metadata.version(name) for name in {PACKAGES!r}}},
}}))
"""


@dataclass(frozen=True)
class Machine:
    cpu: str
    logical_cpus: int
    usable_cpus: int
    memory_gib: float
    system: str
    versions: dict[str, str]
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)


def describe_machine(project: GeneratedProject) -> Machine:
    """CPU, memory, OS, the project's Python and libraries, and the current load."""
    versions = json.loads(
        project.run(project.bin("python"), "-c", VERSIONS_SCRIPT, check=True).stdout
    )
    return Machine(
        cpu=_cpu_model(),
        logical_cpus=os.cpu_count() or 1,
        usable_cpus=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0,
        memory_gib=_memory_gib(),
        system=platform.platform(),
        versions=versions,
        load_before=load_average(),
    )


def load_average() -> tuple[float, float, float]:
    """1, 5 and 15 minute load: how busy other processes kept the CPUs."""
    try:
        return os.getloadavg()
    except OSError:
        return (0.0, 0.0, 0.0)


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _memory_gib() -> float:
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024**2
    return 0.0
