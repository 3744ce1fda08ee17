"""Loads the test suite that test-pyramid added to this project (``tests/plugins/suite.py``).

A ``conftest.py`` at the project's root is read before any test folder's, in
whatever form your pytest configuration is, so the suite's fixtures, markers
and guards reach every test without an edit to your files; ``binding`` sends
your application to the test database in the suite's tests. When an
installed package is too old for the suite (or missing), the gate is loaded
instead of the suite's plugins (their import would crash) and the run stops
with a usage error naming it;
``asyncio_mode`` keeps an ``asyncio_mode = "auto"`` that did nothing before
adoption doing nothing (tests/pyramid-asyncio.toml).
See docs/testing.md#adopting-the-suite-into-your-project.
"""

from tests.plugins.suite_requirements import RUN_NEEDS
from tests.plugins.versions import installed_problems

SUITE = ["tests.plugins.asyncio_mode", "tests.plugins.suite", "tests.plugins.binding"]

pytest_plugins = ["tests.plugins.requirements_gate"] if installed_problems(RUN_NEEDS) else SUITE
