"""The report's side-by-side table: this template, on both SQLite paths, and its peers."""

from __future__ import annotations

from .isolation import THREAD_PREFIX
from .results import Results
from .tables import markdown_table


def peers_section(results: Results) -> str:
    """The template beside pytest-django and pytest-sqla: floor, overhead and both works."""
    sides = [
        (
            "This template, `db_session`",
            ("floor", "db_session_idle", "guide_db_session", "db_session"),
        ),
        (
            "pytest-django, `django_db` (in-memory SQLite)",
            ("django_floor", "django_db_idle", "django_guide", "django_work"),
        ),
        (
            "pytest-sqla, `sqla_async_session`",
            ("sqla_floor", "sqla_session_idle", "sqla_guide", "sqla_work"),
        ),
    ]
    if results.has_strategy(THREAD_PREFIX + "floor"):
        keys = ("floor", "db_session_idle", "guide_db_session", "db_session")
        sides.insert(
            1,
            ("This template on aiosqlite's thread", tuple(THREAD_PREFIX + key for key in keys)),
        )
    rows = []
    cost, cpu = results.cost_ms, results.cpu_ms
    for side, (floor, idle, guide, work) in sides:
        rows.append(
            (
                side,
                f"{cost(floor):.2f}",
                f"{cost(idle) - cost(floor):+.2f}",
                f"{cost(guide):.2f}",
                f"{cost(work):.2f}",
                f"{cpu(guide):.2f}",
                f"{cpu(work):.2f}",
            )
        )
    header = (
        "Median ms per test",
        "Floor",
        "Fixture overhead",
        "Guide's example",
        "The work",
        "Guide's example, CPU",
        "The work, CPU",
    )
    cpu_note = ""
    if cpu("django_guide") and cpu("django_work"):
        cpu_note = (
            "\n\nThe CPU columns are the test process's CPU time over each test (its threads "
            "included): what other processes on a busy machine move least. By CPU time, the "
            f"guide's example costs {cpu('guide_db_session') / cpu('django_guide'):.2f}x and "
            f"the work {cpu('db_session') / cpu('django_work'):.2f}x what they cost under "
            "pytest-django."
        )
    return (
        "\n\n### Side by side with the peers\n\n"
        "The same two pieces of work, interleaved round by round in the same run: under "
        "pytest-django (a Django app with the same tables, written as a Django user "
        "would, on pytest-django's default in-memory SQLite test database) and under "
        "pytest-sqla (the peer async plugin, calling this project's own repositories, "
        "configured as its quick start shows).\n\n"
        + markdown_table(header, rows)
        + cpu_note
        + "\n\n**Where the time went, and what the fast path removes.** On aiosqlite, "
        "every call of the connection (execute, fetch, commit) is handed to a thread of its "
        "own and its result handed back to the event loop: two thread switches per call, "
        "most of what a short statement costs. The suite's connection runs one test at a "
        "time, so by default (`pyramid_sqlite_inline = true`) its calls run on the event "
        "loop's thread instead; the application's engine, the CLI and the API server keep "
        "aiosqlite. See `docs/testing.md` in a generated project for the trade-off."
    )
