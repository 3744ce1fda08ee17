"""Finish adopting the test suite: ``python3 tests/plugins/add_test_dependencies.py``.

Run it from the project's root with any Python 3.11 or newer. It finds the
project's install tool (uv, Poetry, or pip with requirement files), adds the
suite's dependencies where the project keeps its test dependencies, installs
them into the project's environment with that tool, then writes the day-one
baseline (tests/pyramid-baseline.txt). The work is done by
``tests.plugins.adopting``; this file only makes it runnable by its path.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path[0] = str(Path(__file__).resolve().parents[2])  # the root, not tests/plugins
    from tests.plugins.adopting import main

    sys.exit(main())
