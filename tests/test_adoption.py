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
- pantry: Poetry only (``[tool.poetry.group.test]``, no ``[project]``), a pin the
  suite cannot run with (``pytest = "~8.3"``) and one it can (``pytest-asyncio = "^0.24"``,
  the oldest it runs on, kept);
- notes: requirement files pinning ``pytest~=7.4`` and ``pytest_asyncio~=0.21``, no
  ``pyproject.toml``, a test that fails on its own;
- shop: a Poetry app of flat modules in ``backend/`` that cannot be built, on
  SQLAlchemy 2.1 without greenlet;
- roster: PostgreSQL, its own conftest prefixes ``test_`` to the database name it reads
  from ``DATABASE_URL`` and creates and drops that database;
- tickets: PostgreSQL, ``DATABASE_URL`` holds a server URL; the tests append a database
  name and create and drop it in a session fixture;
- kennel: PostgreSQL, the URL assembled from ``POSTGRES_*`` by pydantic-settings (no
  single variable: ``database_url_env=none``);
- pinboard: a SQLite URL literal in the source and in ``alembic/env.py``, no variable;
- gigs: an import package named ``src`` (flat layout, ``package_name=src``), not installable;
- pricing: Alembic migrations that insert reference rows (seeded currencies), and an
  autouse fixture in its ``tests/unit/conftest.py`` that connects before each unit test;
- depot: PostgreSQL, anyio-marked tests with async fixtures, and ``asyncio_mode = "auto"``
  in its configuration although pytest-asyncio is not among its dependencies (inert
  until the suite installs it);
- harbor: PostgreSQL, Poetry only with its test pins in the legacy
  ``[tool.poetry.dev-dependencies]`` (``pytest = "^7.4.0"``), the driver an inline table
  with extras, ``filterwarnings = ["error"]`` and pytest-env, tests inside the package.

Each sample says how its team installs it and runs its tests (``uv sync``,
``poetry install``, ``python -m venv`` and ``pip install -r``). Poetry is not
installed on the test machine: a ``poetry`` on PATH runs ``uvx --from
'poetry>=2,<3' poetry`` (uvx, as README runs copier), with its environment in the
project's ``.venv``, so the block still runs verbatim.

For each: ``copier copy --defaults`` changes no existing file, the Adopting block of
the generated docs runs verbatim (twice, the second changing nothing), the sample's
own tests have the same outcomes as before, the examples pass in random order with
``-n 2``, the database the application's variable named is left as it was, nothing
of another install tool is added, and a fresh clone installed by the team's own
commands runs the examples.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
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


UV_INSTALL = ("uv", "sync", "--quiet")
POETRY_INSTALL = ("poetry", "install", "--quiet")
VENV_PYTHON = ".venv/bin/python"
POETRY_SHIM = '#!/bin/sh\nexec uvx --quiet --from "poetry>=2,<3" poetry "$@"\n'
"""Poetry is not installed here: the tests run it the way README runs copier, with uvx.
On PATH as ``poetry``, so the Adopting block runs verbatim, as for a team that has it."""
FOREIGN_FILES = {
    "uv": ("poetry.lock", "requirements-test.txt"),
    "poetry": ("uv.lock", "requirements-test.txt"),
    "pip": ("pyproject.toml", "uv.lock", "poetry.lock"),
}
"""Files of another tool that adopting must not add, by the sample's own tool."""


@dataclass(frozen=True)
class Sample:
    """A sample backend, the answers its team would give, and its real database."""

    name: str
    answers: dict[str, str]
    variable: str = "DATABASE_URL"
    postgresql: bool = False
    baselined: tuple[str, ...] = ()
    install: tuple[tuple[str, ...], ...] = (UV_INSTALL,)
    """How its team installs it, in a fresh clone: each command run in ``subfolder``."""
    own_tests: tuple[str, ...] = ("uv", "run", "--with", "pytest>=8.3", "pytest")
    """How its team runs its tests (before adoption)."""
    subfolder: str = ""
    """Where the Python project is in the repository (the copy's destination)."""
    told: tuple[str, ...] = ()
    """What the block's first run must say (pins it had to update)."""
    kept: tuple[tuple[str, str], ...] = ()
    """(package, version pattern) the block must leave installed: pins the suite runs with."""
    inert_auto_mode: bool = False
    """Its ``asyncio_mode = "auto"`` did nothing: the block records strict mode (pytest-asyncio)."""
    refused_before: tuple[str, ...] = ()
    """What a run right after the copy (before the block) must say when it stops."""
    locked_at: tuple[str, ...] = ()
    """uv only: versions its lock holds back (``uv lock --upgrade-package``), as teams' do."""
    driver: str = "postgresql+psycopg"
    environment: Callable[[URL], dict[str, str]] | None = None
    """The variables naming the real database, where no single variable holds its URL."""
    sqlite_file: str | None = None
    """A SQLite file the source names by a literal path, relative to the project root."""
    kept_lines: tuple[str, ...] = ()
    """Lines its pyproject.toml has after the block (pins updated where they are written)."""

    @property
    def tool(self) -> str:
        return {"poetry": "poetry", "uv": "uv"}.get(self.install[0][0], "pip")


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
        own_tests=("uv", "run", "pytest"),
        locked_at=("pytest-asyncio==0.23.8",),
        told=(
            "pytest-asyncio 0.23.8 is locked in uv.lock; the suite needs "
            "pytest-asyncio>=0.24,<2: upgrading it",
        ),
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
    Sample(
        "depot",
        {
            "database": "postgresql",
            "base_import": "depot.db:Base",
            "session_import": "depot.db:get_session",
            "entities_module": "depot.db",
        },
        postgresql=True,
        driver="postgresql+asyncpg",
        told=('your pytest configuration sets asyncio_mode = "auto", which did nothing until now',),
        inert_auto_mode=True,
    ),
    Sample(
        "pantry",
        {
            "base_import": "pantry.storage:Table",
            "session_import": "pantry.storage:session",
            "entities_module": "pantry.storage",
            "database_url_env": "PANTRY_DB",
        },
        variable="PANTRY_DB",
        install=(POETRY_INSTALL,),
        own_tests=("poetry", "run", "pytest"),
        told=(
            "pyproject.toml's [tool.poetry.group.test.dependencies] pins pytest ~8.3, "
            "which the suite cannot run with; it needs pytest>=8.4,<10",
        ),
        kept=(("pytest-asyncio", "0.24.*"),),
    ),
    Sample(
        "harbor",
        {
            "database": "postgresql",
            "base_import": "harbor.db:Base",
            "session_import": "harbor.db:async_session",
            "entities_module": "harbor.db",
            "database_url_env": "HARBOR_DATABASE_URL",
        },
        variable="HARBOR_DATABASE_URL",
        postgresql=True,
        driver="postgresql+asyncpg",
        install=(POETRY_INSTALL,),
        own_tests=("poetry", "run", "pytest"),
        told=(
            "pyproject.toml's [tool.poetry.dev-dependencies] pins pytest ^7.4.0, which the "
            "suite cannot run with; it needs pytest>=8.4,<10",
            "pyproject.toml's [tool.poetry.dependencies] pins asyncpg ~0.27.0, which the "
            "suite cannot run with; it needs asyncpg>=0.28,<1",
        ),
        kept_lines=(
            'asyncpg = {version = ">=0.28,<1", extras = ["sa"]}',
            'pytest = ">=8.4,<10"',
            '[tool.poetry.group.dev.dependencies]\npytest-env = ">=0.8"\npytest-asyncio',
        ),
    ),
    Sample(
        "notes",
        {
            "base_import": "notes.db:Base",
            "session_import": "notes.db:get_session",
            "entities_module": "notes.db",
            "engine_dispose_import": "notes.db:dispose",
        },
        install=(
            ("python3", "-m", "venv", ".venv"),
            (VENV_PYTHON, "-m", "pip", "install", "--quiet", "-r", "requirements-test.txt"),
        ),
        own_tests=(VENV_PYTHON, "-m", "pytest"),
        told=(
            "requirements-test.txt pins pytest ~=7.4, which the suite cannot run with; "
            "it needs pytest>=8.4,<10",
            "is installed; the suite needs pytest-asyncio>=0.24,<2: upgrading it",
            "1 test(s) of yours failed on their own (the guards only reported in this run, so "
            "the suite did not fail them):\n    FAILED tests/test_mail.py::"
            "test_digest_goes_to_the_configured_mail_host\n",
        ),
        refused_before=(
            "ERROR: the test suite cannot run with these packages:",
            "  - pytest 7.4.* is installed, the suite needs pytest>=8.4,<10",
            "  - pytest-asyncio 0.2*.* is installed, the suite needs pytest-asyncio>=0.24,<2",
        ),
    ),
    Sample(
        "shop",
        {
            "base_import": "models:Base",
            "session_import": "database:SessionLocal",
            "entities_module": "orders",
            "database_url_env": "SHOP_DATABASE_URL",
        },
        variable="SHOP_DATABASE_URL",
        install=(("poetry", "install", "--quiet", "--no-root"),),
        own_tests=("poetry", "run", "pytest"),
        subfolder="backend",
        told=(
            "SQLAlchemy is locked in poetry.lock without greenlet, which its asyncio needs: "
            "adding 'greenlet>=3.1,<4' to pyproject.toml's [tool.poetry.group.dev.dependencies]",
        ),
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

    tools: dict[str, str] = field(default_factory=dict)

    @property
    def environment(self) -> dict[str, str]:
        return {**self.database.environment, **self.tools}

    def run_block(self) -> subprocess.CompletedProcess[str]:
        return self.project.run("bash", "-e", "-c", self.block, env=self.environment)

    def pytest(self, *args: str) -> PytestRun:
        return self.project.pytest(*args, env=self.environment)

    def installed(self, package: str) -> str:
        """The version of ``package`` in the project's environment."""
        show = f"import importlib.metadata as m; print(m.version({package!r}))"
        return self.project.run(VENV_PYTHON, "-c", show, check=True).stdout.strip()


def tool_environment(folder: Path) -> dict[str, str]:
    """``poetry`` on PATH (through uvx), its environment in the project's ``.venv``."""
    shim = folder / "bin" / "poetry"
    shim.parent.mkdir(parents=True, exist_ok=True)
    shim.write_text(POETRY_SHIM)
    shim.chmod(0o755)
    return {
        "PATH": f"{shim.parent}{os.pathsep}{os.environ['PATH']}",
        "POETRY_VIRTUALENVS_IN_PROJECT": "true",
    }


def adopt(sample: Sample, destination: Path, server: URL | None) -> Adoption:
    repository = destination / sample.name
    shutil.copytree(SAMPLES / sample.name, repository)
    git(repository, "init", "-q")
    git(repository, "add", "-A")
    git(repository, "commit", "-qm", "the project before adoption")
    root = repository / sample.subfolder
    project = GeneratedProject(root, root / ".venv")
    database = RealDatabase(sample, destination, server)
    tools = tool_environment(destination / "tools")
    for pin in sample.locked_at:
        project.run("uv", "lock", "--quiet", "--upgrade-package", pin, check=True)
    for command in sample.install:
        project.run(*command, check=True, env=tools)
    for lock in ("uv.lock", "poetry.lock"):  # the lock its install wrote: the team's own
        if (root / lock).is_file():
            git(root, "add", lock)
    git(repository, "commit", "-qm", "locked", "--allow-empty")
    own_tests = (*sample.own_tests, "-rA", "-p", "no:cacheprovider")
    own = project.run(*own_tests, env={**database.environment, **tools})
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
    copy_changes = git(repository, "status", "--porcelain", "--untracked-files=no")
    found = ADOPTING_BLOCK.search(project.read("docs/testing.md"))
    assert found, "docs/testing.md has no '## Adopting' section with a bash block"
    return Adoption(sample, project, database, before, found.group(1), copy_changes, tools)


@pytest.mark.parametrize("sample", SAMPLE_BACKENDS, ids=lambda sample: sample.name)
def test_adoption_keeps_the_projects_tests_and_data_and_adds_a_passing_suite(
    sample: Sample, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    server = make_url(request.getfixturevalue("server_url")) if sample.postgresql else None
    adoption = adopt(sample, tmp_path, server)
    root = tmp_path / sample.name  # the repository (the project is in sample.subfolder)
    assert adoption.copy_changes == "", "copier copy changed files the project already had"
    for plugin in (adoption.project.root / "tests/plugins").glob("*.py"):
        assert not MUSIC_LIBRARY.search(plugin.read_text()), plugin.name
    fingerprint = adoption.database.fingerprint()
    if sample.refused_before:
        refused = adoption.pytest()
        assert refused.returncode == 4, refused.output
        assert "Traceback" not in refused.output, refused.output
        assert "loop_scope" not in refused.output, refused.output
        assert refused.output.count("cannot run with these packages") == 1, refused.output
        assert_lines_match(refused.output, sample.refused_before)

    first = adoption.run_block()
    assert first.returncode == 0, first.stdout + first.stderr
    for told in sample.told:
        assert told in first.stdout, first.stdout
    assert_nothing_of_another_tool(adoption, root)
    for line in sample.kept_lines:
        assert line in adoption.project.read("pyproject.toml")
    for package, pattern in sample.kept:
        assert fnmatch.fnmatch(adoption.installed(package), pattern), (package, first.stdout)
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
    failing_before = {"FAILED", "ERROR"} & set(adoption.before.values())
    assert run.returncode == (1 if failing_before else 0), run.output

    example_files = sorted({nodeid.split("::")[0] for nodeid in examples})
    shuffled = adoption.pytest("-n", "2", "--randomly-seed=2", *example_files)
    assert shuffled.returncode == 0, shuffled.output
    assert shuffled.outcomes["passed"] == len(examples)
    assert adoption.database.fingerprint() == fingerprint
    if sample.baselined:
        assert_deleting_the_baseline_re_arms_the_guards(adoption)
    assert_a_test_on_its_own_loop_is_told_to_share_the_sessions(adoption)
    if sample.inert_auto_mode:
        assert_without_the_record_auto_mode_breaks_the_projects_tests(adoption)
    assert_the_suites_files_are_lint_clean(adoption)
    assert_the_projects_own_install_runs_the_suite(adoption, example_files, tmp_path / "fresh")


def assert_lines_match(output: str, patterns: tuple[str, ...]) -> None:
    """Each pattern (fnmatch) matches a line of ``output``, in order."""
    lines = iter(output.splitlines())
    for pattern in patterns:
        assert any(fnmatch.fnmatch(line, pattern) for line in lines), (pattern, output)


def assert_nothing_of_another_tool(adoption: Adoption, repository: Path) -> None:
    """No file or table of a tool the project does not use; the repository's root untouched."""
    root = adoption.project.root
    for name in FOREIGN_FILES[adoption.sample.tool]:
        assert not (root / name).exists(), f"adopting added {name}"
    if adoption.sample.tool == "poetry":
        assert "[dependency-groups]" not in adoption.project.read("pyproject.toml")
    if adoption.sample.subfolder:
        changed = git(repository, "status", "--porcelain", "--untracked-files=all", ".")
        outside = [line for line in changed.splitlines() if adoption.sample.subfolder not in line]
        assert outside == [], outside


def assert_the_projects_own_install_runs_the_suite(
    adoption: Adoption, example_files: list[str], folder: Path
) -> None:
    """A fresh clone, installed by the team's own commands from its own files, runs the examples."""
    root = adoption.project.root
    clone = folder / root.name
    ignored = shutil.ignore_patterns(".venv", "__pycache__", ".pytest_cache", "*.db")
    shutil.copytree(root, clone, ignore=ignored)
    project = GeneratedProject(clone, clone / ".venv")
    for command in adoption.sample.install:
        project.run(*command, check=True, env=adoption.tools)
    run = project.pytest("-p", "no:randomly", *example_files, env=adoption.environment)
    assert run.returncode == 0, run.output
    assert run.outcomes["passed"] >= len(example_files), run.output


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


ASYNCIO_RECORD = "tests/pyramid-asyncio.toml"


def assert_without_the_record_auto_mode_breaks_the_projects_tests(adoption: Adoption) -> None:
    """The sample is shaped like the failure: without strict mode, its anyio tests cross loops."""
    assert "test-pyramid: pytest-asyncio runs in strict mode" in adoption.pytest("--co").output
    record = adoption.project.read(ASYNCIO_RECORD)
    (adoption.project.root / ASYNCIO_RECORD).unlink()
    try:
        awake = adoption.pytest(
            "-p", "no:randomly", *sorted({n.split("::")[0] for n in adoption.before})
        )
    finally:
        adoption.project.write(ASYNCIO_RECORD, record)
    assert awake.outcomes.get("failed", 0) + awake.outcomes.get("error", 0) > 0, awake.output
    assert "attached to a different loop" in awake.output


def assert_deleting_the_baseline_re_arms_the_guards(adoption: Adoption) -> None:
    tests = [entry.split(" ", 1)[1] for entry in adoption.sample.baselined]
    reported = adoption.pytest("-p", "no:randomly", *tests)
    assert reported.returncode == 0, reported.output
    assert "baselined guard finding(s), reported, not failed" in reported.output

    adoption.project.write(BASELINE, "")
    armed = adoption.pytest("-p", "no:randomly", *tests)

    assert armed.outcomes.get("error", 0) + armed.outcomes.get("failed", 0) == len(tests)
    assert "but unit tests are isolated from the database" in armed.output
