"""The report's "Schema build" section: migrations against ``create_all``, once and per test."""

from __future__ import annotations

from .results import Results
from .schema_build import CREATE_ALL, SchemaBuild
from .tables import markdown_table

DATABASE_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
TITLE = "## Schema build (#15)"


def schema_section(results: Results) -> str:
    builds = results.schema_builds
    measured = [build for build in builds if build.measured]
    one_off = [_one_off_row(build) for build in builds]
    per_test = [_per_test_row(build) for build in builds]
    rounds = measured[0].rounds if measured else 0
    return (
        f"{TITLE}\n\n"
        "The suite builds the run's template database once, the first time a test needs "
        "it: by the project's migrations (`alembic upgrade head`, the default) or by "
        f"`metadata.create_all` (`{CREATE_ALL}`); each xdist worker then copies it. "
        "PostgreSQL is measured on a `database=postgresql` render when a server answers "
        "at `TEST_DATABASE_URL`.\n\n"
        f"**Once per run.** Wall time of `pytest -n 0` running one test, median of {rounds} "
        "rounds that alternate the three runs: a unit test (the unit tier opens no database, "
        "so nothing is built), and a `db_session` test on a database built each way; in "
        "brackets, what each adds to the unit test's run. The last column is the build seen "
        "from inside the run: the median time of the first test of the per-test runs below, "
        "whose setup builds the database (importing Alembic, the engine and the connection "
        "included).\n\n"
        + markdown_table(
            (
                "Database",
                "Unit test, no database",
                "Migrations",
                "create_all",
                "Migrations - create_all",
                "First test, migrations / create_all",
            ),
            one_off,
        )
        + "\n\n**Per test.** `db_session` tests doing the work of the isolation table, run "
        "alternately on a database built each way; each run's first test, whose setup "
        "builds the database, is left out.\n\n"
        + markdown_table(
            ("Database", "Tests", "Migrations, median", "create_all, median", "÷"),
            per_test,
        )
        + f"\n\n**What it means for you.** {_meaning(measured)}"
    )


def _one_off_row(build: SchemaBuild) -> tuple[str, ...]:
    name = DATABASE_LABELS[build.database]
    if not build.measured:
        return (name, f"not measured: {build.skipped}", "—", "—", "—", "—")
    floor = build.no_database_ms
    return (
        name,
        f"{floor:.0f} ms",
        f"{build.migrations_ms:.0f} ms ({build.migrations_ms - floor:+.0f})",
        f"{build.create_all_ms:.0f} ms ({build.create_all_ms - floor:+.0f})",
        f"{build.one_off_difference_ms:+.0f} ms",
        f"{build.migrations_first_test_ms:.0f} ms / {build.create_all_first_test_ms:.0f} ms",
    )


def _per_test_row(build: SchemaBuild) -> tuple[str, ...]:
    name = DATABASE_LABELS[build.database]
    if not build.measured:
        return (name, f"not measured: {build.skipped}", "—", "—", "—")
    return (
        name,
        str(build.tests),
        f"{build.migrations_per_test_ms:.2f} ms",
        f"{build.create_all_per_test_ms:.2f} ms",
        f"{build.per_test_ratio:.2f}x",
    )


def _meaning(measured: list[SchemaBuild]) -> str:
    if not measured:
        return "Nothing was measured."
    parts = [
        f"on {DATABASE_LABELS[build.database]}, building by migrations costs "
        f"{build.one_off_difference_ms:+.0f} ms against `create_all`, and the tests then "
        f"run at {build.per_test_ratio:.2f}x `create_all`'s per-test cost"
        for build in measured
    ]
    sentence = "; ".join(parts)
    return (
        sentence[0].upper()
        + sentence[1:]
        + ". The difference is paid once per run, not per worker or per test (workers copy "
        "the template), and not at all by a run that needs no database (`-m unit`); both "
        "ways build the same tables, so the tests cost the same on them. Figures within a "
        "few tens of milliseconds, or a few percent per test, are this machine's noise."
    )
