"""The database answer picks the provider when the suite runs; an unknown one is refused by name.

Refused at render time by ``copier.yml``'s choices, and at run time (an answers
file edited by hand, a provider module deleted) by ``database.provider_module``,
which ``database.pytest_configure`` calls first: never SQLite's behaviour.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import copier
import pytest
from sqlalchemy.engine import make_url

from harness.plugin_modules import PACKAGE, PLUGINS, load_plugin
from harness.project import TEMPLATE_ROOT

PROVIDERS = sorted(PLUGINS.glob("*_provider.py"))


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_provider_is_the_module_the_answer_names(database: str) -> None:
    provider = load_plugin("database").provider_module(database)

    assert provider.__name__ == f"{PACKAGE}.{database}_provider"  # type: ignore[attr-defined]


def test_an_unknown_database_stops_the_run_naming_it_and_the_known_ones() -> None:
    with pytest.raises(pytest.UsageError) as refused:
        load_plugin("database").provider_module("oracle")

    known = sorted(path.name.removesuffix("_provider.py") for path in PROVIDERS)
    assert "sqlite" in known
    assert str(refused.value) == (
        "database = 'oracle' in tests/plugins/answers.py: the suite has no provider for it "
        f"(no tests/plugins/oracle_provider.py). This copy has one for: {', '.join(known)}. "
        f"Answer one of them: copier update --data database={known[0]}"
    )


def test_a_database_name_that_is_no_module_name_is_refused_the_same_way() -> None:
    with pytest.raises(pytest.UsageError, match=r"^database = '\.\./x' in tests/plugins/answers"):
        load_plugin("database").provider_module("../x")


def test_an_unknown_database_is_refused_at_render_time_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    with pytest.raises(ValueError, match=r"^Invalid choice for 'database': 'oracle' is not in"):
        copier.run_copy(
            str(TEMPLATE_ROOT), tmp_path / "project", data={"database": "oracle"},
            defaults=True, vcs_ref="HEAD", quiet=True, unsafe=False,
        )  # fmt: skip

    assert not (tmp_path / "project").exists()


@pytest.mark.parametrize("key", ["database", "dbname", "db"])
def test_a_third_databases_driver_reaches_the_target_its_url_names_whatever_it_calls_it(
    key: str,
) -> None:
    """aiomysql is handed ``db=``: without it the production guard would never fire there."""
    connections = load_plugin("connections")
    dialect = SimpleNamespace(name="mysql")
    cparams = {"host": "db.internal", "port": 3306, "user": "shop", key: "shop"}

    reached = connections.connect_targets(dialect, [], cparams)

    assert reached == connections.url_targets(make_url("mysql+aiomysql://shop@db.internal/shop"))
