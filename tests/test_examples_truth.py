"""The adopted examples tell the truth about someone else's project, checked in-process.

- seed rows the migrations insert are the clean state (``clean_state``);
- a project's own fixture that fails an example's setup is named (``examples``);
- a failed migration is quoted by the database's own error line, not SQLAlchemy's
  footer, and commands are named with the project's own runner (``commands``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table

from harness.plugin_modules import load_plugin

pytest_plugins = ["pytester"]

FAILING_DOWNGRADE = """\
import sqlalchemy as sa
engine = sa.create_engine("sqlite://")
with engine.begin() as connection:
    connection.execute(sa.text("DROP TABLE currencies"))
"""


@pytest.fixture(scope="module")
def commands() -> ModuleType:
    return load_plugin("commands")


def test_a_failed_sqlalchemy_statement_is_quoted_by_the_databases_own_error(
    commands: ModuleType,
) -> None:
    printed = subprocess.run(
        [sys.executable, "-c", FAILING_DOWNGRADE], capture_output=True, text=True, check=False
    )
    output = "INFO  [alembic.runtime.migration] Running downgrade x -> , currencies\n"
    output += printed.stdout + printed.stderr

    assert printed.stderr.strip().splitlines()[-1].startswith("(Background on this error at:")
    assert commands.error_of(output) == (
        "sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) no such table: currencies"
    )


def test_the_last_exception_of_a_chain_is_quoted_with_its_detail_lines(
    commands: ModuleType,
) -> None:
    output = (
        "Traceback (most recent call last):\n"
        '  File "env.py", line 3, in <module>\n'
        "KeyError: 'first'\n"
        "\nThe above exception was the direct cause of the following exception:\n\n"
        "Traceback (most recent call last):\n"
        '  File "versions/1a2b_seed.py", line 9, in downgrade\n'
        "    op.drop_table('currencies')\n"
        "    ^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "sqlalchemy.exc.IntegrityError: (psycopg.errors.ForeignKeyViolation) update or delete\n"
        'DETAIL:  Key (code)=(EUR) is still referenced from table "prices".\n'
        "[SQL: DROP TABLE currencies]\n"
        "(Background on this error at: https://example.invalid/e/20/gkpj)\n"
    )

    assert commands.error_of(output) == (
        "sqlalchemy.exc.IntegrityError: (psycopg.errors.ForeignKeyViolation) update or delete\n"
        'DETAIL:  Key (code)=(EUR) is still referenced from table "prices".'
    )


@pytest.mark.parametrize(
    ("output", "quoted"),
    [
        pytest.param(
            "INFO  [alembic] Context impl\nFAILED: Multiple head revisions are present\n",
            "FAILED: Multiple head revisions are present",
            id="alembic-without-traceback",
        ),
        pytest.param("it just stopped\n", "it just stopped", id="no-exception-line"),
        pytest.param("", "no output", id="nothing"),
    ],
)
def test_output_without_a_traceback_is_quoted_by_its_last_error_line(
    commands: ModuleType, output: str, quoted: str
) -> None:
    assert commands.error_of(output) == quoted


def test_an_exception_message_loses_sqlalchemys_footer(commands: ModuleType) -> None:
    message = "(sqlite3.OperationalError) no such table: genres\n[SQL: DROP TABLE genres]\n(Bac"
    message += "kground on this error at: https://example.invalid/e/20/e3q8)"

    assert commands.without_footer(message) == "(sqlite3.OperationalError) no such table: genres"


@pytest.mark.parametrize(
    ("files", "prefix"),
    [
        pytest.param({"uv.lock": "", "pyproject.toml": "[project]\n"}, "uv run ", id="uv"),
        pytest.param(
            {"poetry.lock": "", "pyproject.toml": "[tool.poetry]\n"},
            "poetry run ",
            id="poetry-lock",
        ),
        pytest.param(
            {"pyproject.toml": "[tool.poetry]\nname = 'x'\n"}, "poetry run ", id="poetry-no-lock"
        ),
        pytest.param({"pyproject.toml": "[project]\nname = 'x'\n"}, "uv run ", id="pep-621"),
        pytest.param({"requirements.txt": "sqlalchemy\n"}, "", id="requirements"),
    ],
)
def test_commands_in_messages_use_the_projects_own_runner(
    commands: ModuleType, tmp_path: Path, files: dict[str, str], prefix: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)

    assert commands.runner(tmp_path) == prefix


def test_seed_rows_are_the_clean_states_row_counts() -> None:
    clean_state = load_plugin("clean_state")
    metadata = MetaData()
    Table("currencies", metadata, Column("code", String(3), primary_key=True))
    Table(
        "prices",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("code", ForeignKey("currencies.code")),
    )

    state = clean_state.CleanState(metadata, {"currencies": frozenset({("EUR",), ("USD",)})})

    assert state.row_counts() == {"currencies": 2, "prices": 0}


# -- a project fixture that fails an example ----------------------------------

FAILING_FIXTURE = """\
import pytest


@pytest.fixture(autouse=True)
def database_is_up():
    raise ConnectionRefusedError("connection to the team's database refused")
"""
EXAMPLE = """\
def test_example_uses_none_of_your_fixtures():
    pass
"""
STAYS_OUT = """\
import pytest


@pytest.fixture(autouse=True)
def database_is_up(request):
    if request.node.get_closest_marker("pyramid_example"):
        return
    raise ConnectionRefusedError("connection to the team's database refused")
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    load_plugin("examples")
    pytester.makeini("[pytest]\naddopts = -p template_plugins.examples\n")
    pytester.mkdir("tests")
    pytester.mkdir("tests/unit")
    (pytester.path / "tests/unit/test_pyramid_unit.py").write_text(EXAMPLE)
    (pytester.path / "tests/unit/test_own.py").write_text(EXAMPLE.replace("example_", "own_"))
    return pytester


def test_an_example_failed_by_a_project_fixture_names_the_fixture_and_its_line(
    project: pytest.Pytester,
) -> None:
    (project.path / "tests/unit/conftest.py").write_text(FAILING_FIXTURE)

    run = project.runpytest("-p", "no:randomly")

    run.assert_outcomes(errors=2)
    run.stdout.fnmatch_lines(
        [
            "tests/unit/test_pyramid_unit.py::test_example_uses_none_of_your_fixtures is one of "
            "the suite's examples and uses none of your fixtures, but pytest set up your fixture "
            "'database_is_up' (tests/unit/conftest.py:4) for it, autouse, and that fixture "
            "failed: ConnectionRefusedError: connection to the team's database refused",
            "Fix: let 'database_is_up' stay out of the suite's examples*",
        ]
    )
    said_of_the_own_test = [
        line
        for line in run.stdout.lines
        if "test_own.py" in line and "is one of the suite's examples" in line
    ]
    assert said_of_the_own_test == []
    assert "INTERNALERROR" not in run.stdout.str()


def test_a_project_fixture_that_checks_the_marker_stays_out_of_the_examples(
    project: pytest.Pytester,
) -> None:
    (project.path / "tests/unit/conftest.py").write_text(STAYS_OUT)

    run = project.runpytest("-p", "no:randomly", "-rA")

    run.assert_outcomes(passed=1, errors=1)
    run.stdout.fnmatch_lines(["PASSED tests/unit/test_pyramid_unit.py::*"])


def test_a_suite_fixture_failing_is_left_as_pytest_reports_it() -> None:
    examples = load_plugin("examples")
    plugins = Path(examples.__file__).parent

    assert examples.project_fixture_location(examples.is_example, plugins.parents[1]) is None
    assert examples.project_fixture_location(len, plugins.parents[1]) is None


# -- the round trip's failure, from a subprocess whose env.py logs nothing ----

REVISION_FILE = '''"""price entries, and yen

Revision ID: 7f8e9d0c1b2a
"""
revision = "7f8e9d0c1b2a"
'''


@pytest.fixture(scope="module")
def migration_checks() -> ModuleType:
    """``migration_checks`` with a stand-in for ``seams`` (rendered from Jinja)."""
    load_plugin("commands")
    seams = ModuleType("template_plugins.seams")
    seams.create_database_engine = None  # type: ignore[attr-defined]  # not called here
    sys.modules.setdefault("template_plugins.seams", seams)
    return load_plugin("migration_checks")


def test_a_failing_downgrade_names_its_revision_and_the_databases_error_without_alembic_logs(
    migration_checks: ModuleType, tmp_path: Path
) -> None:
    revision = tmp_path / "versions/7f8e9d0c1b2a_price_entries.py"
    revision.parent.mkdir()
    revision.write_text(REVISION_FILE)
    output = (
        "round trip: upgrade head\nround trip: downgrade base\n"
        "Traceback (most recent call last):\n"
        f'  File "{revision}", line 30, in downgrade\n'
        '    op.drop_table("no_such_table")\n'
        "sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) no such table: no_such_table\n"
        "[SQL: \nDROP TABLE no_such_table]\n"
        "(Background on this error at: https://example.invalid/e/21/e3q8)\n"
    )

    message = migration_checks.round_trip_output_failure(output, Path("alembic.ini"))

    assert message.startswith(
        "Revision 7f8e9d0c1b2a (price entries, and yen) failed to downgrade: "
        "sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) no such table: "
        "no_such_table\nEvery revision must go up, down and up again: fix its downgrade()"
    ), message
