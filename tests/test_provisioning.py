"""The test database is made lazily, built once per run, and a failed build is reported once.

In-process tests drive ``database.build_once`` from racing processes; the
rendered projects' runs carry a small probe plugin (``-p provisioning_probe``)
that counts the schema builds and lists what exists just before the run cleans up.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.plugin_modules import load_plugin
from harness.postgres import databases_like
from harness.project import GeneratedProject, PytestRun

database = load_plugin("database")
environment = load_plugin("environment")

PROBE = '''
"""Counts schema builds and lists the run's databases before the run cleans up."""
import json
import os
import sys
from pathlib import Path

import pytest

LOG = Path(os.environ["PROBE_LOG"])


def pytest_configure(config):
    database = sys.modules["tests.plugins.database"]
    build = database.build_schema

    def counted_build(config, url):
        with LOG.open("a") as log:
            log.write(json.dumps({"build": os.path.basename(url.database)}) + "\\n")
        if os.environ.get("PROBE_BREAK_BUILD"):
            raise RuntimeError("the probe broke the build")
        build(config, url)

    database.build_schema = counted_build


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session):
    if hasattr(session.config, "workerinput"):
        return
    handoff = json.loads(os.environ["PYTEST_PYRAMID_RUN"])
    folder = Path(handoff["run_folder"])
    names = sorted(path.name for path in folder.iterdir())
    with LOG.open("a") as log:
        log.write(json.dumps({"run_folder": names}) + "\\n")
        if "postgres_run" in handoff:
            log.write(json.dumps({"databases": run_databases(handoff["postgres_run"])}) + "\\n")


def run_databases(prefix):
    import asyncio

    import asyncpg

    async def names():
        url = os.environ["TEST_DATABASE_URL"]
        connection = await asyncpg.connect(url)
        try:
            rows = await connection.fetch(
                "SELECT datname FROM pg_database WHERE starts_with(datname, $1)",
                prefix,
            )
        finally:
            await connection.close()
        return sorted(row["datname"].rsplit("_", 1)[1] for row in rows)

    return asyncio.run(names())
'''


@dataclass
class ProbedRun:
    """A run of the project's suite and what the probe saw during it."""

    run: PytestRun
    builds: list[str]
    """The database each schema build went to, in every process of the run."""
    run_folder: list[str] | None
    databases: list[str] | None
    """The run's PostgreSQL databases by suffix (``template``, ``gw0``...), before cleanup."""


def probed_run(project: GeneratedProject, tmp_path: Path, *args: str, **env: str) -> ProbedRun:
    project.write("provisioning_probe.py", PROBE)
    log = tmp_path / "probe.log"
    log.unlink(missing_ok=True)
    run = project.pytest("-p", "provisioning_probe", *args, env={"PROBE_LOG": str(log), **env})
    lines = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    seen = {key: value for line in lines for key, value in line.items() if key != "build"}
    return ProbedRun(
        run,
        builds=[line["build"] for line in lines if "build" in line],
        run_folder=seen.get("run_folder"),
        databases=seen.get("databases"),
    )


# -- build_once, in-process --------------------------------------------------


def build_in_a_process(folder: str, log: str, fail: bool) -> str | None:
    def build() -> None:
        with open(log, "a") as file:
            file.write(f"{os.getpid()}\n")
        if fail:
            raise database.ProvisioningError("no schema today. Fix: nothing")

    try:
        database.build_once(Path(folder), build)
    except database.ProvisioningError as error:
        return str(error)
    return None


@pytest.mark.parametrize("fail", [False, True], ids=["succeeds", "fails"])
def test_racing_processes_build_once_and_all_learn_the_outcome(tmp_path: Path, fail: bool) -> None:
    log = tmp_path / "builds.log"
    context = multiprocessing.get_context("fork")
    with context.Pool(4) as pool:
        outcomes = pool.starmap(build_in_a_process, [(str(tmp_path), str(log), fail)] * 4)

    assert len(log.read_text().splitlines()) == 1
    expected = "no schema today. Fix: nothing" if fail else None
    assert outcomes == [expected] * 4
    assert database.was_built(tmp_path)


def test_an_unexpected_error_is_reported_with_its_type(tmp_path: Path) -> None:
    def build() -> None:
        raise OSError("disk full")

    with pytest.raises(database.ProvisioningError, match=r"^OSError: disk full$"):
        database.build_once(tmp_path, build)


def test_an_interrupted_build_is_tried_again_by_the_next_process(tmp_path: Path) -> None:
    def interrupted() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        database.build_once(tmp_path, interrupted)
    assert not database.was_built(tmp_path)

    builds: list[str] = []
    database.build_once(tmp_path, lambda: builds.append("built"))
    assert builds == ["built"]


def test_the_run_folder_is_made_once_and_inherited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(environment.HANDOFF_ENV, raising=False)
    monkeypatch.setattr(database, "owned_folders", [])
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))

    folder = database.run_folder("app-tests-")

    assert folder.parent == tmp_path
    assert folder.name.startswith("app-tests-run-p")
    assert database.run_folder("app-tests-") == folder  # a worker gets the same
    assert environment.handed_down("run_folder") == str(folder)  # what workers inherit
    assert database.owns_run()
    database.remove_run_folder()
    assert not folder.exists()
    assert environment.HANDOFF_ENV not in os.environ


# -- in a rendered project ---------------------------------------------------


@pytest.mark.render
def test_a_run_without_database_tests_builds_nothing(
    scratch_project: GeneratedProject, tmp_path: Path
) -> None:
    for args in (("-m", "unit"), ("--collect-only", "-q")):
        probed = probed_run(scratch_project, tmp_path, *args)
        assert probed.run.returncode == 0, probed.run.output
        assert probed.builds == [], args
        assert probed.run_folder == [], args  # no template, no lock, no outcome


@pytest.mark.render
def test_two_workers_share_one_build_of_the_template(
    scratch_project: GeneratedProject, tmp_path: Path
) -> None:
    probed = probed_run(scratch_project, tmp_path, "-n", "2", "-p", "no:randomly")

    assert probed.run.returncode == 0, probed.run.output
    assert probed.builds == ["template.db"]
    assert probed.run_folder == ["template.db", "template.json", "template.lock"]


@pytest.mark.render
def test_a_failed_build_fails_database_tests_and_is_explained_once(
    scratch_project: GeneratedProject, tmp_path: Path
) -> None:
    probed = probed_run(
        scratch_project, tmp_path, "-n", "2", "-p", "no:randomly", PROBE_BREAK_BUILD="1"
    )
    run = probed.run

    assert run.returncode == 1
    assert len(probed.builds) == 1, run.output  # the second worker read the outcome
    assert "RuntimeError: the probe broke the build" in run.output
    assert run.output.count("test database: none, so database tests failed") == 1
    assert run.outcomes.get("passed", 0) >= 76  # the unit tier needs no database
    assert run.outcomes.get("failed", 0) + run.outcomes.get("error", 0) >= 50


@pytest.mark.render
def test_postgresql_databases_are_made_on_first_use_and_all_dropped(
    postgresql_project: GeneratedProject, server_url: str, tmp_path: Path
) -> None:
    project = postgresql_project.clone(tmp_path / "project")
    env = {"TEST_DATABASE_URL": server_url}

    unit = probed_run(project, tmp_path, "-m", "unit", **env)
    assert unit.run.returncode == 0, unit.run.output
    assert (unit.builds, unit.databases) == ([], [])

    whole = probed_run(project, tmp_path, "-n", "2", "-p", "no:randomly", **env)
    assert whole.run.returncode == 0, whole.run.output
    assert len(whole.builds) == 1
    assert whole.builds[0].endswith("_template")
    assert whole.databases == ["gw0", "gw1", "template"]
    run_name = whole.builds[0].removesuffix("_template")
    assert databases_like(project, server_url, run_name.replace("_", "\\_") + "%") == []
