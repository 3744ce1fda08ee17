"""The report's closing sections: how it was measured, and on what machine."""

from __future__ import annotations

from .results import Results
from .tables import markdown_table


def method_section(results: Results) -> str:
    """How the run measured: rendering, per-test timing, interleaving, the peers."""
    return (
        "## Method\n\n"
        "- The template is rendered with its default answers and installed with `uv sync`; "
        "each measurement runs the project's own `pytest` in a copy of it that shares the "
        "virtual environment.\n"
        "- Per-test cost is the sum of pytest's own setup, call and teardown durations "
        "(recorded from its reports by a small plugin), as a median over many tests.\n"
        "- Isolation strategies are interleaved in one module and one run "
        "(`--randomly-dont-reorganize`), so a change in machine load affects all alike.\n"
        "- The peers are built by the benchmark itself, each in a throwaway virtual "
        "environment made with uv, packages pinned by range and nothing locked: a Django "
        "app with the same tables under pytest-django, and pytest-sqla with this project "
        "installed. Rounds alternate: this template with the fast SQLite path, the same "
        "module on aiosqlite's thread (`-o pyramid_sqlite_inline=false`), pytest-django, "
        "pytest-sqla; each side's medians pool its rounds, so a change in load hits all "
        "sides alike.\n"
        "- Scaling runs the small suite before and after the large one and pools both.\n"
        "- Wall-time comparisons (`-n 2` vs `-n 0`, collection) alternate and keep the "
        "fastest round; suite time is the median round.\n"
        "- The default-suite guard comparison alternates guards on / off with the same seed.\n"
        "- The schema build's one-off runs (no database, migrations, `create_all`) alternate "
        "round by round, in turned order every other round, and report the median round; "
        "its per-test runs alternate migrations and `create_all`, and pool their rounds."
    )


def machine_section(results: Results) -> str:
    """The machine and software of the run, and how busy the machine was."""
    machine = results.machine
    versions = ", ".join(f"{name} {version}" for name, version in machine.versions.items())
    rows = [
        ("CPU", f"{machine.cpu} ({machine.logical_cpus} logical, {machine.usable_cpus} usable)"),
        ("Memory", f"{machine.memory_gib:.1f} GiB"),
        ("System", machine.system),
        ("Software", versions),
        ("Load average before", " / ".join(f"{load:.2f}" for load in machine.load_before)),
        ("Load average after", " / ".join(f"{load:.2f}" for load in machine.load_after)),
    ]
    return (
        "## Machine\n\n"
        + markdown_table(("", ""), rows)
        + "\n\nA load average above the number of CPUs means other processes competed for "
        "them during the run; ratios hold up better than absolute times, but the `-n 2` "
        "speed-up suffers most."
    )
