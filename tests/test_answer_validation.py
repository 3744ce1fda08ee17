"""Wrong answers are refused with a message that says what is accepted; nothing is written.

Answers that are accepted, however unusual, render a project whose Python and TOML parse
and whose names are valid, so no answer produces a broken project.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from harness.answers import first_refusal, render_files, resolved
from harness.project import TEMPLATE_ROOT, render

PARTIALS = TEMPLATE_ROOT / "template" / ".partials"
DEPENDENCY_FILES = [
    TEMPLATE_ROOT / "template" / "pyproject.toml.jinja",
    PARTIALS / "test-dependencies.toml.jinja",
    *sorted(PARTIALS.glob("databases/*.jinja")),  # each database's driver
]
REQUIREMENT = re.compile(r'"([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*[<>=!~]')
DISTRIBUTION_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
ONE_LINE = "must be one line of text: remove the line breaks, tabs and other control characters."
NOT_AN_IMPORT_NAME = (
    "is not a valid import name: use lowercase letters, digits and underscores, with at "
    "least one letter or digit, not starting with a digit (e.g. music_library)."
)
SHARDS = (
    "ci_shards must be a whole number of parallel CI jobs, 1 or more (got {}): "
    "use 1 to run the suite in one job."
)
NOT_AN_ADDRESS_FOR_METADATA = (
    "author_email '{}' cannot go into the package's metadata, which takes a plain address: "
    "ASCII letters, digits and !#$%&'*+/=?^_`{{|}}~- before the @, dots only between them, "
    "and a domain of dot-separated names (e.g. ada.lovelace@example.com)."
)
RESERVED_VARIABLE = (
    "database_url_env '{}' is a variable the suite, Python, pytest, uv or the system reads "
    "for something else, and the suite sets it to the test database's URL for the whole run: "
    "name the variable your application reads its database URL from (e.g. DATABASE_URL)."
)
KEYWORD = (
    "{} '{}' cannot be imported: '{}' is a Python keyword. "
    "Name the module and object as your code imports them."
)


def refused(question: str, value: str, message: str) -> object:
    return pytest.param(question, value, message, id=f"{question}={value!r}")


def stdlib(name: str) -> object:
    return refused(
        "package_name",
        name,
        f"package_name '{name}' shadows the standard-library module '{name}': "
        f"choose another name (e.g. {name}_app).",
    )


def dependency(name: str) -> object:
    return refused(
        "package_name",
        name,
        f"package_name '{name}' is the import name of one of the project's own dependencies, "
        f"and would clash with it on install and import: choose another name (e.g. {name}_app).",
    )


INVALID_ANSWERS = [
    refused("project_name", "  ", "project_name must not be empty."),
    refused("project_name", "Music\nLibrary", f"project_name {ONE_LINE}"),
    refused(
        "package_name",
        "class",
        "package_name 'class' is a Python keyword and cannot be imported: "
        "choose another name (e.g. class_app).",
    ),
    refused(
        "package_name",
        "tests",
        "package_name 'tests' would clash with the project's own 'tests' folder: "
        "choose another name (e.g. tests_app).",
    ),
    stdlib("json"),
    stdlib("zlib"),
    stdlib("array"),
    stdlib("locale"),
    stdlib("annotationlib"),  # new in Python 3.14
    stdlib("asynchat"),  # gone in 3.12, still there on 3.11
    dependency("sqlalchemy"),
    dependency("pytest"),
    dependency("pytest_asyncio"),
    dependency("xdist"),  # pytest-xdist's import name
    refused("package_name", "2fast", f"package_name '2fast' {NOT_AN_IMPORT_NAME}"),
    refused("package_name", "Music-Library", f"package_name 'Music-Library' {NOT_AN_IMPORT_NAME}"),
    refused("package_name", "café", f"package_name 'café' {NOT_AN_IMPORT_NAME}"),
    refused("package_name", "__", f"package_name '__' {NOT_AN_IMPORT_NAME}"),
    refused("description", "Line one\nline two", f"description {ONE_LINE}"),
    refused("author_name", "Ada\tLovelace", f"author_name {ONE_LINE}"),
    refused(
        "author_email",
        "nobody",
        "author_email 'nobody' is not an e-mail address: use the form name@example.com.",
    ),
    refused(
        "author_email",
        "ada lovelace@example.com",
        "author_email 'ada lovelace@example.com' is not an e-mail address: "
        "use the form name@example.com.",
    ),
    refused("ci_shards", "abc", SHARDS.format("abc")),
    refused("ci_shards", "1.5", SHARDS.format("1.5")),
    refused("ci_shards", "0", SHARDS.format("0")),
    refused(
        "package_name",
        "m" * 41,
        f"package_name '{'m' * 41}' is 41 characters long: keep it to 40, so that the lines "
        "that import it fit the project's 100-character line length (e.g. a shorter form of "
        "your project's name).",
    ),
    # Addresses hatchling cannot write into the package's metadata (uv sync fails).
    *(
        refused("author_email", email, NOT_AN_ADDRESS_FOR_METADATA.format(email))
        for email in (
            "ädä@example.com",
            'ada"\\@example.com',
            "a,b@example.com",
            "ada.@example.com",
            "ada@example..com",
            "ada<x>@example.com",
        )
    ),
    refused(
        "ci_shards",
        "1000000000",
        "ci_shards is 1000000000, over 64: GitHub runs at most 256 jobs from one matrix, and "
        "each group runs on up to four Python versions; use 64 or fewer.",
    ),
]

ADOPTION_ANSWERS = [
    refused(
        "base_import",
        "myapp..db:Base",
        "base_import 'myapp..db:Base' is not module:Name (e.g. myapp.db:Base).",
    ),
    refused(
        "base_import",
        "myapp.class.db:Base",
        KEYWORD.format("base_import", "myapp.class.db:Base", "class"),
    ),
    refused(
        "session_import",
        "myapp.db:async",
        KEYWORD.format("session_import", "myapp.db:async", "async"),
    ),
    refused(
        "session_import",
        "myapp.db.:get_session",
        "session_import 'myapp.db.:get_session' is not module:name (e.g. myapp.db:get_session).",
    ),
    refused(
        "unit_of_work_import",
        "myapp.import:Uow",
        KEYWORD.format("unit_of_work_import", "myapp.import:Uow", "import"),
    ),
    refused(
        "unit_of_work_import",
        "myapp.uow",
        "unit_of_work_import 'myapp.uow' is not "
        "module:name (e.g. myapp.uow:get_unit_of_work), nor empty (no unit of work).",
    ),
    refused(
        "engine_dispose_import",
        "myapp.db:None",
        KEYWORD.format("engine_dispose_import", "myapp.db:None", "None"),
    ),
    refused(
        "entities_module", "myapp.from", KEYWORD.format("entities_module", "myapp.from", "from")
    ),
    *(
        refused("database_url_env", name, RESERVED_VARIABLE.format(name))
        for name in (
            "PATH",
            "TMPDIR",
            "TEST_DATABASE_URL",
            "PYTHONPATH",
            "PYTEST_ADDOPTS",
            "PGHOST",
            "home",
        )
    ),
]


@pytest.mark.render
@pytest.mark.parametrize(("question", "value", "message"), INVALID_ANSWERS)
def test_invalid_answer_is_refused_naming_the_question_and_what_is_accepted(
    tmp_path: Path, question: str, value: str, message: str
) -> None:
    destination = tmp_path / "project"

    with pytest.raises(ValueError, match=r"^Validation error") as refusal:
        render(destination, **{question: value})

    assert str(refusal.value) == f"Validation error for question '{question}': {message}"
    assert not destination.exists()


@pytest.mark.render
@pytest.mark.parametrize(("question", "value", "message"), ADOPTION_ANSWERS)
def test_invalid_adoption_answer_is_refused_naming_the_question_and_what_is_accepted(
    tmp_path: Path, question: str, value: str, message: str
) -> None:
    destination = tmp_path / "project"

    with pytest.raises(ValueError, match=r"^Validation error") as refusal:
        render(destination, backend="existing", **{question: value})

    assert str(refusal.value) == f"Validation error for question '{question}': {message}"
    assert not destination.exists()


@pytest.mark.render
def test_python_version_outside_the_choices_is_refused(tmp_path: Path) -> None:
    destination = tmp_path / "project"

    with pytest.raises(ValueError, match="Invalid choice for 'python_version'"):
        render(destination, python_version="3.9")

    assert not destination.exists()


DERIVED_NAMES = [
    pytest.param("2024 Music", "_2024_music", id="digit-first"),
    pytest.param("Café Müller", "cafe_muller", id="accents"),
    pytest.param("Cafe\u0301 Mu\u0308ller", "cafe_muller", id="combining-accents"),
    pytest.param("Straße Œuvre Łódź", "strasse_oeuvre_lodz", id="ligatures"),
    pytest.param("音楽", "project", id="no-latin-letter"),
]


@pytest.mark.render
@pytest.mark.parametrize(("project_name", "package_name"), DERIVED_NAMES)
def test_package_name_derived_from_any_project_name_is_a_valid_identifier(
    tmp_path: Path, project_name: str, package_name: str
) -> None:
    root = render(tmp_path / "project", project_name=project_name)

    assert [path.name for path in (root / "src").iterdir()] == [package_name]
    assert package_name.isidentifier()
    distribution = tomllib.loads((root / "pyproject.toml").read_text())["project"]["name"]
    assert DISTRIBUTION_NAME.match(distribution), distribution


@pytest.mark.render
def test_quotes_and_backslashes_in_user_text_land_escaped_in_python_and_toml(
    tmp_path: Path,
) -> None:
    project_name = 'Rock \'n\' Roll "Live" \\ """Deluxe"""'
    # Typographic quotes and dashes too: ruff would call them ambiguous in a docstring.
    description = 'Ends a string """ or escapes \\" it \u2013 \u2018quoted\u2019 \u2013 ending in "'
    author = 'Ada "The Countess" \\ Lovelace'
    email = "ada.o'brien+{music}@example.com"  # quotes and backslashes: refused (see above)

    root = render(
        tmp_path / "project",
        project_name=project_name,
        description=description,
        author_name=author,
        author_email=email,
    )

    package = root / "src/rock_n_roll_live_deluxe/__init__.py"
    docstring = ast.get_docstring(ast.parse(package.read_text()), clean=False)
    assert docstring == f"{project_name}.\n\n{description}\n"
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    assert project["description"] == description
    assert project["authors"] == [{"name": author, "email": email}]
    assert project["name"] == "rock-n-roll-live-deluxe"
    ruff = Path(sys.executable).with_name("ruff")
    for check in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [str(ruff), *check, str(package)], cwd=root, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.render
def test_a_long_project_name_and_an_empty_description_give_a_clean_docstring(
    tmp_path: Path,
) -> None:
    project_name = " ".join(["A Very Long Project Name"] * 5)

    root = render(tmp_path / "project", project_name=project_name, description="")

    package = next((root / "src").iterdir()) / "__init__.py"
    docstring = ast.get_docstring(ast.parse(package.read_text()), clean=False)
    assert docstring is not None
    assert " ".join(docstring.split()) == f"{project_name}."
    ruff = Path(sys.executable).with_name("ruff")
    for check in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [str(ruff), *check, str(package)], cwd=root, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.render
def test_a_project_name_too_long_for_a_file_name_gives_a_package_name_cut_at_a_word(
    tmp_path: Path,
) -> None:
    project_name = ("Music " * 50).strip()  # 299 characters: once an OSError from copier

    root = render(tmp_path / "project", project_name=project_name)

    assert [path.name for path in (root / "src").iterdir()] == ["music_" * 5 + "music"]
    readme = (root / "README.md").read_text()
    assert readme.startswith(f"# {project_name}\n")


@pytest.mark.render
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_longest_package_name_accepted_renders_lint_clean(
    tmp_path: Path, database: str
) -> None:
    package_name = "_".join(["abcdefghij"] * 4)[:40]

    root = render(tmp_path / "project", package_name=package_name, database=database)

    ruff = Path(sys.executable).with_name("ruff")
    for check in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [str(ruff), *check, "src", "tests"], cwd=root, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.render
def test_valid_unusual_package_name_is_accepted(tmp_path: Path) -> None:
    root = render(tmp_path / "project", package_name="_private_music2")

    assert (root / "src/_private_music2/domain/__init__.py").is_file()
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    assert project["name"] == "private-music2"


# -- the reserved-name lists, checked in-process (no render) ------------------


def listed_names(partial: str) -> set[str]:
    """The names in a .partials list, without its Jinja comment."""
    text = (PARTIALS / partial).read_text()
    return set(re.sub(r"\{#.*?#\}", "", text, flags=re.DOTALL).split())


def test_stdlib_list_holds_every_public_module_of_this_python() -> None:
    public = {name for name in sys.stdlib_module_names if not name.startswith("_")}

    assert public - listed_names("stdlib-module-names.jinja") == set()


def test_every_direct_dependency_of_the_project_is_refused_by_its_import_name() -> None:
    refused_names = listed_names("dependency-import-names.jinja")
    distributions = {
        match for path in DEPENDENCY_FILES for match in REQUIREMENT.findall(path.read_text())
    }
    assert {"sqlalchemy", "pytest-asyncio", "hatchling"} <= distributions  # the parser works

    normalized = {re.sub(r"[-_.]+", "_", name).lower() for name in distributions}
    assert normalized - refused_names == set()
    # Import names that differ from the distribution's, for those installed here.
    installed = importlib.metadata.packages_distributions()
    imported = {
        module
        for module, owners in installed.items()
        if any(re.sub(r"[-_.]+", "_", owner).lower() in normalized for owner in owners)
        and module.isidentifier()
        and not module.startswith("_")
    }
    assert "xdist" in imported
    assert imported - refused_names == set()


# -- package_name for adoption: checked against what an adopting copy creates ---


def adopting(name: str, message: str) -> object:
    return pytest.param(name, message, id=f"existing:package_name={name!r}")


ADOPTING_NAMES = [
    adopting(
        "tests",
        "package_name 'tests' is the package the suite is copied into (tests/plugins): "
        "give the import name of your application's code, not of its tests.",
    ),
    adopting(
        "pytest_asyncio",
        "package_name 'pytest_asyncio' is the import name of a package the test suite "
        "installs or imports, and would clash with it at import: give the import name of "
        "your application's code.",
    ),
    adopting(
        "json",
        "package_name 'json' shadows the standard-library module 'json': "
        "choose another name (e.g. json_app).",
    ),
    adopting("My-App", f"package_name 'My-App' {NOT_AN_IMPORT_NAME}"),
]


@pytest.mark.render
@pytest.mark.parametrize(("name", "message"), ADOPTING_NAMES)
def test_adopting_refuses_a_package_name_that_clashes_with_what_the_copy_adds(
    tmp_path: Path, name: str, message: str
) -> None:
    destination = tmp_path / "project"

    with pytest.raises(ValueError, match=r"^Validation error") as refusal:
        render(destination, backend="existing", package_name=name)

    assert str(refusal.value) == f"Validation error for question 'package_name': {message}"
    assert not destination.exists()


@pytest.mark.render
@pytest.mark.parametrize("name", ["src", "app"])
def test_adopting_accepts_the_projects_real_import_name_even_src(tmp_path: Path, name: str) -> None:
    """An adopting copy creates no src/ and none of the reference backend's dependencies."""
    root = render(tmp_path / "project", backend="existing", package_name=name)

    assert not (root / "src").exists()
    assert f"base_import: {name}.db:Base" in (root / ".copier-answers.yml").read_text()


def test_the_reference_backend_still_refuses_src(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"^Validation error") as refusal:
        render(tmp_path / "project", package_name="src")

    assert str(refusal.value) == (
        "Validation error for question 'package_name': package_name 'src' would clash with "
        "the project's own 'src' folder: choose another name (e.g. src_app)."
    )


def test_every_name_an_adopting_copy_refuses_is_a_dependency_name_too() -> None:
    """The adoption list is a subset of the full one, and covers every test dependency."""
    text = (PARTIALS / "package-name.jinja").read_text()
    listed = re.search(r"set suite_imports = \[(.*?)\]", text, re.DOTALL)
    assert listed is not None
    suite_imports = set(re.findall(r'"(\w+)"', listed.group(1)))
    test_dependencies = {
        re.sub(r"[-_.]+", "_", name).lower()
        for name in REQUIREMENT.findall((PARTIALS / "test-dependencies.toml.jinja").read_text())
    }

    assert suite_imports - listed_names("dependency-import-names.jinja") == set()
    assert test_dependencies - suite_imports == set()


# -- the same answers, through copier.yml's validators in-process (harness.answers) --


@pytest.mark.parametrize(("question", "value", "message"), INVALID_ANSWERS)
def test_copier_yml_refuses_each_invalid_answer_with_its_message(
    question: str, value: str, message: str
) -> None:
    assert first_refusal(**{question: value}) == (
        f"Validation error for question '{question}': {message}"
    )


@pytest.mark.parametrize(("question", "value", "message"), ADOPTION_ANSWERS)
def test_copier_yml_refuses_each_invalid_adoption_answer_with_its_message(
    question: str, value: str, message: str
) -> None:
    assert first_refusal(backend="existing", **{question: value}) == (
        f"Validation error for question '{question}': {message}"
    )


@pytest.mark.parametrize(("name", "message"), ADOPTING_NAMES)
def test_copier_yml_refuses_an_adopted_package_name_that_clashes(name: str, message: str) -> None:
    assert first_refusal(backend="existing", package_name=name) == (
        f"Validation error for question 'package_name': {message}"
    )


@pytest.mark.parametrize(("project_name", "package_name"), DERIVED_NAMES)
def test_copier_yml_derives_an_accepted_identifier_from_any_project_name(
    project_name: str, package_name: str
) -> None:
    assert resolved(project_name=project_name)["package_name"] == package_name


@pytest.mark.parametrize(
    "answers",
    [
        pytest.param({}, id="defaults"),
        pytest.param({"package_name": "_private_music2"}, id="unusual-package-name"),
        pytest.param({"backend": "existing", "package_name": "src"}, id="adopting-src"),
        pytest.param({"backend": "existing", "database_url_env": "none"}, id="no-variable"),
        pytest.param({"project_name": ("Music " * 50).strip()}, id="very-long-project-name"),
    ],
)
def test_copier_yml_accepts_the_default_and_unusual_valid_answers(
    answers: dict[str, str],
) -> None:
    assert first_refusal(**answers) is None


def test_quotes_and_backslashes_land_escaped_in_the_package_docstring_and_pyproject(
    tmp_path: Path,
) -> None:
    """The in-process half of the render test above (which also runs ruff on the result)."""
    project_name = 'Rock \'n\' Roll "Live" \\ """Deluxe"""'
    description = 'Ends a string """ or escapes \\" it \u2013 \u2018quoted\u2019 \u2013 ending in "'
    author = 'Ada "The Countess" \\ Lovelace'
    email = "ada.o'brien+{music}@example.com"
    answers = {
        "project_name": project_name,
        "description": description,
        "author_name": author,
        "author_email": email,
    }

    root = render_files(
        tmp_path, ["src/{{ package_name }}/__init__.py", "pyproject.toml"], **answers
    )

    package = root / "src/rock_n_roll_live_deluxe/__init__.py"
    docstring = ast.get_docstring(ast.parse(package.read_text()), clean=False)
    assert docstring == f"{project_name}.\n\n{description}\n"
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    assert project["description"] == description
    assert project["authors"] == [{"name": author, "email": email}]
    assert project["name"] == "rock-n-roll-live-deluxe"
