"""Command line: ``uv run python -m benchmarks [--quick] [--output PATH] [--json PATH]``."""

from __future__ import annotations

import argparse
import sys
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path

from copier.errors import DirtyLocalWarning

from harness.project import TEMPLATE_ROOT

from .benchmark import run_benchmark
from .durations import BenchmarkRunError
from .report import console_table, write_markdown
from .settings import FULL, QUICK

DEFAULT_OUTPUT = TEMPLATE_ROOT / "docs" / "performance.md"


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Render the template and measure how fast its generated suite runs.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="a few tests per measurement (checks it works)"
    )
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT, help="markdown report to write"
    )
    parser.add_argument("--json", type=Path, help="also write the raw results as JSON here")
    parser.add_argument(
        "--workdir", type=Path, help="keep the rendered projects here (default: a temp folder)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    sizes = QUICK if arguments.quick else FULL
    # Rendering the working tree, uncommitted changes included, is the point.
    warnings.filterwarnings("ignore", category=DirtyLocalWarning)
    try:
        if arguments.workdir:
            results = run_benchmark(sizes, arguments.workdir.resolve())
        else:
            with tempfile.TemporaryDirectory(prefix="test-pyramid-benchmark-") as workdir:
                results = run_benchmark(sizes, Path(workdir))
    except BenchmarkRunError as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 1
    print(console_table(results))
    write_markdown(results, arguments.output)
    print(f"\nReport written to {arguments.output}")
    if arguments.json:
        results.write_json(arguments.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
