"""Benchmarks of the generated test suite: ``uv run python -m benchmarks``.

Renders the template, writes benchmark tests into copies of the project, runs
its pytest and reports ratios measured in one run (``docs/performance.md``).
Not part of the template's test run; ``tests/test_benchmarks.py`` runs a tiny
version so it cannot rot.
"""
