"""What the test suite needs installed, with the ranges the template is tested with.

Read by ``add_test_dependencies.py`` (what to add to the project) and by
``requirements_gate`` (what a run checks before the suite is imported).
"""

from __future__ import annotations

from .answers import TEST_REQUIREMENTS

REQUIREMENTS = list(TEST_REQUIREMENTS)
"""Added to the project where it keeps its test dependencies, unless it declares them."""
GREENLET = "greenlet>=3.1,<4"
"""SQLAlchemy's asyncio runs on greenlet, which SQLAlchemy 2.1 no longer brings itself:
added only when neither the project's lock nor its environment has it."""
RUN_NEEDS = [
    "sqlalchemy>=2.0",
    "greenlet",
    *(entry for entry in REQUIREMENTS if not entry.startswith(("pytest-cov", "pytest-split"))),
]
"""What a run cannot do without (coverage and sharding are CI's tools, not the suite's)."""
