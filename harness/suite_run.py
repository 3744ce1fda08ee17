"""One run of a generated project's whole default suite, with every report CI writes.

Many template tests check what that run printed or wrote (it passes, in random
order, on two workers, in pyramid shape, with its coverage); they all read one
run instead of each starting its own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .project import GeneratedProject, PytestRun

SEED = 4242
"""pytest-randomly's seed: one fixed order, printed, so that a failure can be replayed."""


@dataclass(frozen=True)
class SuiteRun:
    """What the run printed, the seed it ran with, and the reports it wrote."""

    run: PytestRun
    seed: int
    pyramid_json: Path
    coverage_data: Path
    """coverage's data file (``COVERAGE_FILE``), for ``coverage report``."""

    @classmethod
    def execute(cls, project: GeneratedProject, folder: Path, seed: int = SEED) -> SuiteRun:
        """Run the suite as CI does (``-n 2``, coverage, pyramid report); keep it in ``folder``."""
        suite = cls(PytestRun(-1, ""), seed, folder / "pyramid.json", folder / ".coverage")
        run = project.pytest(
            "-n", "2", f"--randomly-seed={seed}", "-rA", f"--pyramid-json={suite.pyramid_json}",
            "--cov", env={"COVERAGE_FILE": str(suite.coverage_data)},
        )  # fmt: skip
        (folder / "run.json").write_text(
            json.dumps({"returncode": run.returncode, "output": run.output, "seed": seed})
        )
        return cls.load(folder)

    @classmethod
    def load(cls, folder: Path) -> SuiteRun:
        """The run ``execute`` kept in ``folder``."""
        kept = json.loads((folder / "run.json").read_text())
        return cls(
            PytestRun(kept["returncode"], kept["output"]),
            kept["seed"],
            folder / "pyramid.json",
            folder / ".coverage",
        )

    @property
    def pyramid(self) -> dict[str, object]:
        figures: dict[str, object] = json.loads(self.pyramid_json.read_text())
        return figures
