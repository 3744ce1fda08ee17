"""Tool detection, declared pins and version ranges of the adopting command, in-process.

``versions``, ``install_tools`` and ``installers`` (template/tests/plugins) are plain
standard-library Python: what ``python3 tests/plugins/add_test_dependencies.py``
decides for a project (which tool, which pin to update, what to add where) is
checked here from made-up files, without a render or an install.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from types import ModuleType

import pytest

from harness.plugin_modules import load_plugin

SUITE = ["pytest>=8.4,<10", "pytest-asyncio>=1.1,<2", "pytest-xdist>=3.6,<4"]
GREENLET = "greenlet>=3.1,<4"


@pytest.fixture(scope="module")
def versions() -> ModuleType:
    return load_plugin("versions")


@pytest.fixture(scope="module")
def tools() -> ModuleType:
    return load_plugin("install_tools")


@pytest.mark.parametrize(
    ("pinned", "needed", "conflict"),
    [
        ("~=7.4", ">=8.4,<10", True),
        ("^8.4.2", ">=8.4,<10", False),
        ("~=0.21", ">=1.1,<2", True),
        ("^0.24", ">=1.1,<2", True),
        (">=0.24", ">=1.1,<2", False),
        ("==0.21.*", ">=1.1,<2", True),
        ("==1.*", ">=1.1,<2", False),
        ("<8", ">=8.4,<10", True),
        ("~7.4", ">=8.4,<10", True),
        (">= 8.4 , < 9", ">=8.4,<10", False),
        (">=7 <8", ">=8.4,<10", True),
        ("10.0.1", ">=8.4,<10", True),
        ("<=8.4", ">=8.4,<10", False),
        ("<8.4", ">=8.4,<10", True),
        ("", ">=8.4,<10", False),
        ("*", ">=8.4,<10", False),
        ("!=8.4.0", ">=8.4,<10", False),
        ("^7.4 || ^8.4", ">=8.4,<10", False),
    ],
)
def test_a_pin_conflicts_when_no_version_satisfies_both(
    versions: ModuleType, pinned: str, needed: str, conflict: bool
) -> None:
    assert versions.conflicts(pinned, needed) is conflict


@pytest.mark.parametrize(
    ("found", "needed", "old"),
    [
        ("0.24.0", ">=1.1,<2", True),
        ("1.1", ">=1.1.0", False),
        ("8.4.2", ">=8.4,<10", False),
        ("7.4.4", ">=8.4,<10", True),
        ("2.1.0b1", ">=2.0", False),
        ("10.1", ">=8.4,<10", False),
        ("3.0", "", False),
    ],
)
def test_an_installed_version_is_too_old_only_below_the_lower_bound(
    versions: ModuleType, found: str, needed: str, old: bool
) -> None:
    assert versions.too_old(found, needed) is old


def test_unusable_names_each_package_the_version_found_and_the_one_needed(
    versions: ModuleType,
) -> None:
    installed = {"pytest": "7.4.4", "pytest-asyncio": "1.2.0", "greenlet": None}

    problems = versions.unusable(
        ["pytest>=8.4,<10", "pytest-asyncio>=1.1,<2", "greenlet"], installed
    )

    assert problems == [
        "pytest 7.4.4 is installed, the suite needs pytest>=8.4,<10",
        "greenlet is not installed (the suite needs greenlet)",
    ]


def test_a_requirement_is_read_with_its_extras_and_markers_left_out(versions: ModuleType) -> None:
    requirement = versions.Requirement.parse(
        "Pytest_Asyncio[testing] >=1.1,<2 ; python_version>'3'"
    )

    assert (requirement.name, requirement.specifier) == ("pytest-asyncio", ">=1.1,<2")


@pytest.mark.parametrize(
    ("files", "pyproject", "tool"),
    [
        ({"pyproject.toml"}, "[project]\nname = 'a'", "uv"),
        ({"pyproject.toml", "uv.lock"}, "[project]\nname = 'a'", "uv"),
        ({"pyproject.toml"}, "[tool.poetry]\nname = 'a'", "poetry"),
        ({"pyproject.toml", "poetry.lock"}, "[project]\nname = 'a'", "poetry"),
        (
            {"pyproject.toml"},
            "[project]\nname = 'a'\n[tool.poetry.group.dev.dependencies]\npytest = '^8'",
            "poetry",
        ),
        ({"requirements.txt", "requirements-dev.txt"}, None, "pip"),
        ({"pyproject.toml", "requirements-test.txt"}, "[tool.ruff]\nline-length = 99", "pip"),
        ({"pyproject.toml"}, "[tool.ruff]\nline-length = 99", None),
        (set(), None, None),
    ],
)
def test_the_tool_is_told_by_the_projects_own_files(
    tools: ModuleType, files: set[str], pyproject: str | None, tool: str | None
) -> None:
    parsed = None if pyproject is None else tomllib.loads(pyproject)

    assert tools.choose_tool(files, parsed) == tool


POETRY_PROJECT = """
[tool.poetry.dependencies]
python = "^3.11"
SQLAlchemy = { version = "^2.0.36", extras = ["asyncio"] }

[tool.poetry.group.test.dependencies]
pytest = "^8.4.2"
pytest-asyncio = "^0.24"
"""


def test_poetry_tables_are_read_with_the_group_each_pin_is_in(tools: ModuleType) -> None:
    declarations = tools.pyproject_declarations(tomllib.loads(POETRY_PROJECT))

    found = {(entry.name, entry.specifier, entry.section) for entry in declarations}
    assert found == {
        ("sqlalchemy", "^2.0.36", "poetry"),
        ("pytest", "^8.4.2", "poetry-group:test"),
        ("pytest-asyncio", "^0.24", "poetry-group:test"),
    }
    assert tools.test_section("poetry", declarations) == "poetry-group:test"
    assert declarations[2].location == "pyproject.toml's [tool.poetry.group.test.dependencies]"


def test_a_uv_project_without_pytest_gets_the_dev_group(tools: ModuleType) -> None:
    declarations = tools.pyproject_declarations({"project": {"dependencies": ["sqlalchemy>=2"]}})

    assert tools.test_section("uv", declarations) == "group:dev"
    assert declarations[0].location == "pyproject.toml's [project] dependencies"


def test_requirement_files_are_followed_through_their_includes(
    tools: ModuleType, tmp_path: Path
) -> None:
    (tmp_path / "requirements.txt").write_text("SQLAlchemy[asyncio]>=2.0  # the ORM\n-e .\n")
    (tmp_path / "requirements-test.txt").write_text(
        "-r requirements.txt\n# tests\npytest~=7.4\n--index-url x\npytest_asyncio~=0.21\n"
    )
    files = tools.present_files(tmp_path)

    declarations = tools.requirement_file_declarations(tmp_path, "requirements-test.txt")

    assert [(entry.name, entry.specifier, entry.file) for entry in declarations] == [
        ("sqlalchemy", ">=2.0", "requirements.txt"),
        ("pytest", "~=7.4", "requirements-test.txt"),
        ("pytest-asyncio", "~=0.21", "requirements-test.txt"),
    ]
    assert tools.choose_tool(files, None) == "pip"
    assert tools.requirements_target(tmp_path, files) == "requirements-test.txt"


def test_the_plan_updates_conflicting_pins_and_adds_what_is_missing(tools: ModuleType) -> None:
    declared = [
        tools.Declaration("pytest", "~=7.4", "requirements-test.txt"),
        tools.Declaration("pytest-asyncio", ">=0.21", "requirements-test.txt"),
    ]

    plan = tools.make_plan(SUITE, declared, None, GREENLET)

    assert plan.update == [(declared[0], "pytest>=8.4,<10")]
    assert plan.add == ["pytest-xdist>=3.6,<4"]
    assert plan.upgrade == []


def test_the_plan_judges_by_what_is_locked_not_only_what_is_declared(tools: ModuleType) -> None:
    declared = [
        tools.Declaration("pytest", ">=8", "pyproject.toml", "group:dev"),
        tools.Declaration("pytest-asyncio", ">=0.23", "pyproject.toml", "group:dev"),
        tools.Declaration("pytest-xdist", "", "pyproject.toml", "group:dev"),
    ]
    locked = {"pytest": "8.4.2", "pytest-asyncio": "0.24.0", "pytest-xdist": "3.8.0"}

    plan = tools.make_plan(SUITE, declared, {**locked, "sqlalchemy": "2.1.0"}, GREENLET)
    with_greenlet = tools.make_plan(SUITE, declared, {**locked, "greenlet": "3.2"}, GREENLET)

    assert plan.upgrade == [("pytest-asyncio", "0.24.0", "pytest-asyncio>=1.1,<2")]
    assert plan.add == [GREENLET]
    assert with_greenlet.add == []


def test_a_project_that_has_everything_needs_nothing(tools: ModuleType) -> None:
    declared = [
        tools.Declaration(name, "", "pyproject.toml", "group:dev")
        for name in ("pytest", "pytest-asyncio", "pytest-xdist")
    ]
    resolved = {
        "pytest": "9.0",
        "pytest-asyncio": "1.3",
        "pytest-xdist": "3.8",
        "sqlalchemy": "2.0.40",
        "greenlet": "3.2",
    }

    assert tools.make_plan(SUITE, declared, resolved, GREENLET).empty


UV_LOCK = """
version = 1
[[package]]
name = "pytest-asyncio"
version = "0.24.0"
[[package]]
name = "Pytest_Asyncio"
version = "0.21.1"
[[package]]
name = "pytest"
version = "8.4.2"
"""


def test_locked_versions_keep_the_lowest_of_each_package(tools: ModuleType) -> None:
    assert tools.locked_versions(UV_LOCK) == {"pytest-asyncio": "0.21.1", "pytest": "8.4.2"}


def test_editing_a_requirements_file_replaces_pins_in_place_and_appends_once(
    tools: ModuleType,
) -> None:
    text = "-r requirements.txt\npytest~=7.4  # old\nPytest_Asyncio~=0.21\n"

    once = tools.edit_requirements(
        text,
        {"pytest": "pytest>=8.4,<10", "pytest-asyncio": "pytest-asyncio>=1.1,<2"},
        ["pytest-xdist>=3.6,<4"],
    )
    twice = tools.edit_requirements(once, {}, [])

    assert once == (
        "-r requirements.txt\npytest>=8.4,<10  # old\npytest-asyncio>=1.1,<2\n"
        f"{tools.ADDED_COMMENT}\npytest-xdist>=3.6,<4\n"
    )
    assert twice == once


def pip_adoption(root: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    """What ``add_test_dependencies.py`` does to a pip project's files, without pip: the
    install commands it would run."""
    installers = load_plugin("installers")
    tools = load_plugin("install_tools")
    pip = installers.Pip(root, tools.requirements_target(root, tools.present_files(root)))
    installs: list[tuple[str, ...]] = []
    monkeypatch.setattr(pip, "install", lambda *arguments: installs.append(arguments))
    pip.apply(tools.make_plan(SUITE, pip.declarations, None, GREENLET))
    return installs


@pytest.mark.parametrize(
    ("bom", "encoding"),
    [("\ufeff", "utf-16-le"), ("\ufeff", "utf-16-be"), ("\ufeff", "utf-8"), ("", "utf-8")],
)
def test_requirement_files_are_read_by_their_byte_order_mark_and_written_back_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bom: str, encoding: str
) -> None:
    app = "fastapi==0.115.0\r\nSQLAlchemy==2.0.36"
    tests = "-r requirements.txt\r\n\r\nhttpx==0.28.1\r\npytest==8.4.1\r\npytest-asyncio==1.0.0"
    (tmp_path / "requirements.txt").write_bytes((bom + app).encode(encoding))
    (tmp_path / "requirements-dev.txt").write_bytes((bom + tests).encode(encoding))

    installs = pip_adoption(tmp_path, monkeypatch)

    assert installs == [("-r", "requirements-dev.txt")]
    assert (tmp_path / "requirements.txt").read_bytes() == (bom + app).encode(encoding)
    assert (tmp_path / "requirements-dev.txt").read_bytes().decode(encoding) == bom + (
        "-r requirements.txt\r\n\r\nhttpx==0.28.1\r\npytest==8.4.1\r\n"
        "pytest-asyncio>=1.1,<2\r\n"
        f"{load_plugin('install_tools').ADDED_COMMENT}\r\npytest-xdist>=3.6,<4"
    )


def test_a_requirements_file_in_another_encoding_stops_with_what_to_do(
    tools: ModuleType, tmp_path: Path
) -> None:
    (tmp_path / "requirements.txt").write_bytes("pytest==8.4.1  # für Tests\n".encode("latin-1"))

    with pytest.raises(tools.AdoptionError, match="neither UTF-8 nor UTF-16") as raised:
        tools.requirement_file_declarations(tmp_path, "requirements.txt")

    assert str(raised.value).endswith("Save it as UTF-8, then run this again.")


def test_pins_are_updated_in_the_file_that_holds_them_and_additions_go_to_the_test_file(
    tools: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = tmp_path / "backend"
    backend.mkdir()
    (backend / "requirements.txt").write_text("SQLAlchemy==2.0.*\npytest==8.3.*\nuvicorn==0.30.*\n")
    (backend / "requirements-dev.txt").write_text(
        "-r requirements.txt\nruff==0.6.*\npytest-asyncio==0.24.*  # async tests\n"
    )
    (backend / "pyproject.toml").write_text("[tool.ruff]\nline-length = 99\n")

    installs = pip_adoption(backend, monkeypatch)

    assert installs == [("-r", "requirements-dev.txt")]
    assert (backend / "requirements.txt").read_text() == (
        "SQLAlchemy==2.0.*\npytest>=8.4,<10\nuvicorn==0.30.*\n"
    )
    assert (backend / "requirements-dev.txt").read_text() == (
        "-r requirements.txt\nruff==0.6.*\npytest-asyncio>=1.1,<2  # async tests\n"
        f"{tools.ADDED_COMMENT}\npytest-xdist>=3.6,<4\n"
    )
    declared = tools.requirement_file_declarations(backend, "requirements-dev.txt")
    assert tools.make_plan(SUITE, declared, None, GREENLET).empty


@pytest.mark.parametrize(
    ("files", "target"),
    [
        ({"requirements.txt": "-r requirements-dev.txt\npytest", "requirements-dev.txt": ""},
         "requirements.txt"),
        ({"requirements.txt": "fastapi", "requirements-dev.txt": "-r requirements.txt"},
         "requirements-dev.txt"),
        ({"requirements.txt": "pytest", "requirements/dev.txt": "-c ../requirements.txt\nruff"},
         "requirements/dev.txt"),
        ({"requirements.txt": "pytest", "requirements-dev.txt": "ruff"}, "requirements.txt"),
    ],
)  # fmt: skip
def test_the_test_requirements_file_is_the_one_that_installs_pytest_with_its_includes(
    tools: ModuleType, tmp_path: Path, files: dict[str, str], target: str
) -> None:
    (tmp_path / "requirements").mkdir()
    for name, text in files.items():
        (tmp_path / name).write_text(text + "\n")

    assert tools.requirements_target(tmp_path, tools.present_files(tmp_path)) == target


def test_without_poetry_on_path_the_message_says_how_to_run_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    installers = load_plugin("installers")
    monkeypatch.setenv("PATH", "")

    with pytest.raises(installers.AdoptionError, match=r"^this is a Poetry project") as raised:
        installers.poetry_executable(None)

    assert "which is not on PATH" in str(raised.value)
    assert str(raised.value).endswith(
        "add_test_dependencies.py --poetry-command \"uvx --from 'poetry>=2,<3' poetry\""
    )
    assert installers.poetry_executable("uvx --from 'poetry>=2,<3' poetry") == [
        "uvx", "--from", "poetry>=2,<3", "poetry",
    ]  # fmt: skip


def test_uv_flags_name_the_group_or_extra_the_pins_are_in() -> None:
    uv = load_plugin("installers").Uv

    assert uv.flags("group:test") == ["--group", "test"]
    assert uv.flags("extra:test") == ["--optional", "test"]
    assert uv.flags("extra:test", run=True) == ["--extra", "test"]
    assert uv.flags("group:dev", run=True) == []
    assert uv.flags("project") == []


PYTEST_SUMMARY = """\
=========================== short test summary info ============================
FAILED tests/test_orders.py::test_total - assert 1 == 2
ERROR tests/integration/test_pyramid_integration.py::test_rollback - boom
FAILED tests/test_orders.py::test_total - assert 1 == 2
ERROR tests/test_db.py::test_connects[pg] - OperationalError
========================= 2 failed, 2 errors in 1.00s ==========================
"""


def test_failures_of_the_projects_own_tests_are_told_apart_from_the_examples(
    tools: ModuleType,
) -> None:
    own, examples = tools.failures(PYTEST_SUMMARY)

    assert own == [
        "ERROR tests/test_db.py::test_connects[pg]",
        "FAILED tests/test_orders.py::test_total",
    ]
    assert examples == ["ERROR tests/integration/test_pyramid_integration.py::test_rollback"]
