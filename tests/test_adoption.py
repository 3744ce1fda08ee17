"""Adoption: the suite copied into backends the template did not generate, as a user would.

Each sample in tests/samples is shaped like someone else's code (see its README):

- catalog: engine and sessionmaker built at import from ``DB_URI`` (pydantic-settings),
  a FastAPI dependency for sessions, no unit of work, a pytest 9 ``[tool.pytest]``
  table, anyio-marked tests;
- ledger: its own ``tests/conftest.py`` and ``tests/fixtures/`` with fixtures named
  ``db_session`` and ``test_data_tracker``, ``pytest.ini``, an existing
  ``[dependency-groups]``, a unit test that uses the database, a bare sessionmaker;
- billing: PostgreSQL through psycopg, engine built at import from ``DATABASE_URL``;
- warehouse: an engine built on first use, no pytest configuration at all;
- roster: PostgreSQL, its own conftest prefixes ``test_`` to the database name it reads
  from ``DATABASE_URL`` and creates and drops that database;
- tickets: PostgreSQL, ``DATABASE_URL`` holds a server URL; the tests append a database
  name and create and drop it in a session fixture;
- kennel: PostgreSQL, the URL assembled from ``POSTGRES_*`` by pydantic-settings (no
  single variable: ``database_url_env=none``);
- pinboard: a SQLite URL literal in the source and in ``alembic/env.py``, no variable;
- gigs: an import package named ``src`` (flat layout, ``package_name=src``), not installable;
- pricing: Alembic migrations that insert reference rows (seeded currencies), and an
  autouse fixture in its ``tests/unit/conftest.py`` that connects before each unit test.

For each: ``copier copy --defaults`` changes no existing file, the Adopting block of
the generated docs runs verbatim (twice, the second changing nothing), the sample's
own tests have the same outcomes as before, the examples pass in random order with
``-n 2``, and the database the application's variable named is left as it was.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import copier
import pytest
from sqlalchemy.engine import URL, make_url

from harness.project import TEMPLATE_ROOT, GeneratedProject, PytestRun

pytestmark = pytest.mark.field

SAMPLES = Path(__file__).parent / "samples"
ADOPTING_BLOCK = re.compile(r"^## Adopting.*?^```bash\n(.*?)^```", re.MULTILINE | re.DOTALL)
OUTCOME_LINE = re.compile(r"^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS) (\S+)", re.MULTILINE)
EXAMPLE_DIRS = ("tests/unit", "tests/integration", "tests/e2e")
MUSIC_LIBRARY = re.compile(r"music|playlist|artist|add_track", re.IGNORECASE)
"""The reference backend's names, which have no business in someone else's project."""
BASELINE = "tests/pyramid-baseline.txt"
EXAMPLE_GLOB = "tests/*/test_pyramid_*.py"
EXAMPLES = tuple(f"{folder}/test_pyramid_" for folder in EXAMPLE_DIRS)


@dataclass(frozen=True)
class Sample:
    """A sample backend, the answers its team would give, and its real database."""

    name: str
    answers: dict[str, str]
    variable: str = "DATABASE_URL"
    postgresql: bool = False
    baselined: tuple[str, ...] = ()
    driver: str = "postgresql+psycopg"
    environment: Callable[[URL], dict[str, str]] | None = None
    """The variables naming the real database, where no single variable holds its URL."""
    sqlite_file: str | None = None
    """A SQLite file the source names by a literal path, relative to the project root."""


def postgres_variables(url: URL) -> dict[str, str]:
    """kennel: the URL assembled by pydantic-settings from POSTGRES_* variables."""
    return {
        "POSTGRES_USER": url.username or "",
        "POSTGRES_PASSWORD": url.password or "",
        "POSTGRES_HOST": url.host or "",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_DB": url.database or "",
    }


def server_and_name(url: URL) -> dict[str, str]:
    """tickets: a server URL in DATABASE_URL, the application's database name apart."""
    server = URL.create(url.drivername, url.username, url.password, url.host, url.port)
    return {
        "DATABASE_URL": server.render_as_string(hide_password=False),
        "DATABASE_NAME": url.database or "",
    }


SAMPLE_BACKENDS = [
    Sample(
        "catalog",
        {
            "base_import": "catalog.database:Base",
            "session_import": "catalog.database:get_db",
            "entities_module": "catalog.models",
            "database_url_env": "DB_URI",
        },
        variable="DB_URI",
    ),
    Sample(
        "ledger",
        {
            "base_import": "ledger.db:Base",
            "session_import": "ledger.db:SessionMaker",
            "unit_of_work_import": "ledger.service:Ledger",
            "entities_module": "ledger.db",
            "database_url_env": "LEDGER_DB_URL",
        },
        variable="LEDGER_DB_URL",
        baselined=("unit-database tests/unit/test_balance.py::test_posting_changes_the_balance",),
    ),
    Sample(
        "billing",
        {
            "database": "postgresql",
            "base_import": "billing.db:Base",
            "session_import": "billing.db:session_scope",
            "unit_of_work_import": "billing.uow:BillingUnitOfWork",
            "entities_module": "billing.db",
            "engine_dispose_import": "billing.db:shutdown",
        },
        postgresql=True,
    ),
    Sample(
        "roster",
        {
            "database": "postgresql",
            "base_import": "roster.db:Base",
            "session_import": "roster.db:Session",
            "entities_module": "roster.db",
        },
        postgresql=True,
        driver="postgresql+asyncpg",
    ),
    Sample(
        "tickets",
        {
            "database": "postgresql",
            "base_import": "tickets.storage:Base",
            "session_import": "tickets.storage:get_session",
            "entities_module": "tickets.storage",
        },
        postgresql=True,
        driver="postgresql+asyncpg",
        environment=server_and_name,
    ),
    Sample(
        "kennel",
        {
            "database": "postgresql",
            "base_import": "kennel.models:Base",
            "session_import": "kennel.session:get_db",
            "entities_module": "kennel.models",
            "database_url_env": "none",
        },
        postgresql=True,
        driver="postgresql+asyncpg",
        environment=postgres_variables,
    ),
    Sample(
        "pinboard",
        {
            "base_import": "pinboard.database:Base",
            "session_import": "pinboard.database:SessionLocal",
            "entities_module": "pinboard.models",
            "database_url_env": "none",
        },
        environment=lambda _url: {},
        sqlite_file="app.db",
    ),
    Sample(
        "warehouse",
        {
            "base_import": "warehouse.db:Model",
            "session_import": "warehouse.db:open_session",
            "unit_of_work_import": "warehouse.uow:unit_of_work",
            "entities_module": "warehouse.domain",
            "engine_dispose_import": "warehouse.db:close_engine",
        },
    ),
    Sample(
        "gigs",
        {
            "package_name": "src",
            "base_import": "src.database:Base",
            "session_import": "src.database:get_session",
            "entities_module": "src.models",
        },
    ),
    Sample(
        "pricing",
        {
            "base_import": "pricing.db:Base",
            "session_import": "pricing.db:session",
            "entities_module": "pricing.db",
            "engine_dispose_import": "pricing.db:dispose",
            "database_url_env": "PRICING_DB",
        },
        variable="PRICING_DB",
    ),
]


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def outcomes(run: PytestRun) -> dict[str, str]:
    """Test id -> outcome, from ``-rA``'s short summary."""
    return {nodeid: outcome for outcome, nodeid in OUTCOME_LINE.findall(run.output)}


class RealDatabase:
    """The database the application's variable names before the run, with a row in it."""

    def __init__(self, sample: Sample, root: Path, server: URL | None) -> None:
        self.sample = sample
        self.server = server
        self.url: str | URL
        if sample.postgresql:
            assert server is not None
            self.name = f"adoption_{sample.name}_real"
            self._psql(f'DROP DATABASE IF EXISTS "{self.name}"', database="postgres")
            self._psql(f'CREATE DATABASE "{self.name}"', database="postgres")
            self._psql("CREATE TABLE kept (id int PRIMARY KEY, note text)")
            self._psql("INSERT INTO kept VALUES (1, 'real data')")
            self.url = self.server.set(drivername=sample.driver, database=self.name)
        else:
            self.path = root / "real-data" / "app.db"
            if sample.sqlite_file:
                self.path = root / sample.name / sample.sqlite_file
            self.path.parent.mkdir(exist_ok=True)
            with closing(sqlite3.connect(self.path)) as connection, connection:
                connection.execute("CREATE TABLE kept (id INTEGER PRIMARY KEY, note TEXT)")
                connection.execute("INSERT INTO kept VALUES (1, 'real data')")
            self.url = f"sqlite+aiosqlite:///{self.path}"

    @property
    def environment(self) -> dict[str, str]:
        url = self.url if isinstance(self.url, str) else self.url.render_as_string(False)
        extra = {self.sample.variable: url}
        if self.sample.environment is not None:
            extra = self.sample.environment(make_url(url))
        if self.server is not None:
            extra["TEST_DATABASE_URL"] = self.server.render_as_string(hide_password=False)
        return extra

    def fingerprint(self) -> str:
        if self.sample.postgresql:
            return self._psql("SELECT string_agg(id || ':' || note, ',') FROM kept")
        return hashlib.sha256(self.path.read_bytes()).hexdigest()

    def _psql(self, statement: str, database: str | None = None) -> str:
        assert self.server is not None
        url = self.server.set(drivername="postgresql", database=database or self.name)
        command = ["psql", "-XAtq", "-d", url.render_as_string(False), "-c", statement]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


@dataclass
class Adoption:
    sample: Sample
    project: GeneratedProject
    database: RealDatabase
    before: dict[str, str]
    block: str
    copy_changes: str

    def run_block(self) -> subprocess.CompletedProcess[str]:
        return self.project.run("bash", "-e", "-c", self.block, env=self.database.environment)

    def pytest(self, *args: str) -> PytestRun:
        return self.project.pytest(*args, env=self.database.environment)


def adopt(sample: Sample, destination: Path, server: URL | None) -> Adoption:
    root = destination / sample.name
    shutil.copytree(SAMPLES / sample.name, root)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "the project before adoption")
    project = GeneratedProject(root, root / ".venv")
    database = RealDatabase(sample, destination, server)
    project.run("uv", "sync", "--quiet", check=True)
    own = project.run(
        "uv",
        "run",
        "--with",
        "pytest>=8.3",
        "pytest",
        "-rA",
        "-p",
        "no:cacheprovider",
        env=database.environment,
    )
    before = outcomes(PytestRun(own.returncode, own.stdout + own.stderr))
    assert before, own.stdout + own.stderr

    answers = {
        "backend": "existing",
        "project_name": sample.name.title(),
        "package_name": sample.name,
        **sample.answers,
    }
    copier.run_copy(
        str(TEMPLATE_ROOT),
        root,
        data=answers,
        defaults=True,
        vcs_ref="HEAD",
        quiet=True,
        unsafe=False,
    )
    copy_changes = git(root, "status", "--porcelain", "--untracked-files=no")
    found = ADOPTING_BLOCK.search(project.read("docs/testing.md"))
    assert found, "docs/testing.md has no '## Adopting' section with a bash block"
    return Adoption(sample, project, database, before, found.group(1), copy_changes)


@pytest.mark.parametrize("sample", SAMPLE_BACKENDS, ids=lambda sample: sample.name)
def test_adoption_keeps_the_projects_tests_and_data_and_adds_a_passing_suite(
    sample: Sample, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    server = make_url(request.getfixturevalue("server_url")) if sample.postgresql else None
    adoption = adopt(sample, tmp_path, server)
    root = adoption.project.root
    assert adoption.copy_changes == "", "copier copy changed files the project already had"
    for plugin in (root / "tests/plugins").glob("*.py"):
        assert not MUSIC_LIBRARY.search(plugin.read_text()), plugin.name
    fingerprint = adoption.database.fingerprint()

    first = adoption.run_block()
    assert first.returncode == 0, first.stdout + first.stderr
    after_first = git(root, "diff") + adoption.project.read(BASELINE)
    second = adoption.run_block()
    assert second.returncode == 0, second.stdout + second.stderr
    assert "nothing to add" in second.stdout
    assert git(root, "diff") + adoption.project.read(BASELINE) == after_first
    entries = [line for line in adoption.project.read(BASELINE).splitlines() if line[:1] != "#"]
    assert entries == list(sample.baselined)

    run = adoption.pytest("-rA", "-p", "no:randomly")
    after = outcomes(run)
    assert {nodeid: after.get(nodeid) for nodeid in adoption.before} == adoption.before
    examples = {nodeid: outcome for nodeid, outcome in after.items() if nodeid.startswith(EXAMPLES)}
    assert examples, run.output
    assert set(examples.values()) == {"PASSED"}, run.output
    assert run.returncode == 0, run.output

    example_files = sorted({nodeid.split("::")[0] for nodeid in examples})
    shuffled = adoption.pytest("-n", "2", "--randomly-seed=2", *example_files)
    assert shuffled.returncode == 0, shuffled.output
    assert shuffled.outcomes["passed"] == len(examples)
    assert adoption.database.fingerprint() == fingerprint
    if sample.baselined:
        assert_deleting_the_baseline_re_arms_the_guards(adoption)
    assert_a_test_on_its_own_loop_is_told_to_share_the_sessions(adoption)
    assert_the_suites_files_are_lint_clean(adoption)


LINT_RULES = "E,W,F,I,B,UP,SIM,RUF,PT,ASYNC,N,C4,PIE,RET"
"""The rules the reference render's pyproject.toml selects."""


def assert_the_suites_files_are_lint_clean(adoption: Adoption) -> None:
    """What the copy added passes the generated project's own ruff rules and format."""
    root = adoption.project.root
    files = [
        "conftest.py",
        "tests/plugins",
        *(str(path.relative_to(root)) for path in root.glob(EXAMPLE_GLOB)),
    ]
    settings = [
        "--line-length=100", "--target-version=py311",
        f"--config=lint.isort.known-first-party=['{adoption.sample.name}', 'tests']",
    ]  # fmt: skip
    check = subprocess.run(
        [sys.executable, "-m", "ruff", "check", f"--select={LINT_RULES}", *settings, *files],
        cwd=root, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
    formatted = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", *settings, *files],
        cwd=root, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr


FORGOT_THE_LOOP = """\
import pytest
from sqlalchemy import text

from tests.plugins.suite import db_session  # noqa: F401


@pytest.mark.asyncio
async def test_on_a_loop_of_its_own(db_session):  # noqa: F811
    assert await db_session.scalar(text("SELECT 1")) == 1
"""


def assert_a_test_on_its_own_loop_is_told_to_share_the_sessions(adoption: Adoption) -> None:
    """In the project's own asyncio mode, a new test must say it runs on the session's loop."""
    adoption.project.write("tests/integration/test_forgot_the_loop.py", FORGOT_THE_LOOP)

    run = adoption.pytest("-p", "no:randomly", "tests/integration/test_forgot_the_loop.py")

    run.assert_outcomes(error=1)
    assert "uses db_session, which lives on the event loop the whole run shares" in run.output
    assert 'Fix: mark the test @pytest.mark.asyncio(loop_scope="session")' in run.output


def assert_deleting_the_baseline_re_arms_the_guards(adoption: Adoption) -> None:
    tests = [entry.split(" ", 1)[1] for entry in adoption.sample.baselined]
    reported = adoption.pytest("-p", "no:randomly", *tests)
    assert reported.returncode == 0, reported.output
    assert "baselined guard finding(s), reported, not failed" in reported.output

    adoption.project.write(BASELINE, "")
    armed = adoption.pytest("-p", "no:randomly", *tests)

    assert armed.outcomes.get("error", 0) + armed.outcomes.get("failed", 0) == len(tests)
    assert "but unit tests are isolated from the database" in armed.output
