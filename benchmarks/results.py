"""Everything one benchmark run measured, in one object the report reads."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from .experiments import Guards, Parallel, Scaling, StrategyCost, Suite
from .machine import Machine
from .schema_build import SchemaBuild
from .startup import Startup


@dataclass(frozen=True)
class Results:
    size: str
    started: str
    elapsed_seconds: float
    machine: Machine
    strategies: list[StrategyCost]
    scaling: Scaling
    parallel: Parallel
    suite: Suite
    guards: Guards
    schema_builds: list[SchemaBuild]
    startup: Startup

    def cost_ms(self, strategy: str) -> float:
        """Median per-test milliseconds of one isolation strategy."""
        for cost in self.strategies:
            if cost.strategy == strategy:
                return cost.median_ms
        raise KeyError(f"strategy {strategy!r} was not measured")

    def cpu_ms(self, strategy: str) -> float:
        """Median per-test CPU milliseconds of one strategy (0 if not recorded)."""
        for cost in self.strategies:
            if cost.strategy == strategy:
                return cost.median_cpu_ms
        raise KeyError(f"strategy {strategy!r} was not measured")

    def has_strategy(self, strategy: str) -> bool:
        return any(cost.strategy == strategy for cost in self.strategies)

    def write_json(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")
