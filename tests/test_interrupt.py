"""Ctrl-C ends a generated project's run with pytest's short report, and its shape is not judged.

The run is the whole suite (a narrowed run is never judged anyway) with a planted
integration test that holds the test database and says when it is running; the
SIGINT goes to the whole process group, as a terminal's Ctrl-C does, and ``uv run``
passes it on a second time.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from harness.project import GeneratedProject, clean_environment

pytestmark = pytest.mark.render

PLANTED = """
import asyncio
import os
from pathlib import Path


async def test_is_interrupted_while_it_holds_the_database(db_session):
    Path(os.environ["INTERRUPT_MARKER"]).write_text("running")
    await asyncio.sleep(120)
"""
SUMMARY_LINE = r"=+ (?:\d+ passed|\d+ deselected|\d+ passed, \d+ deselected) in [\d.]+s =+"
"""pytest's closing line; random order may run the planted test first, with nothing passed yet."""
SHORT_REPORT = re.compile(
    r"^!+ KeyboardInterrupt !+\n.*: KeyboardInterrupt\n"
    r"\(to show a full traceback on KeyboardInterrupt use --full-trace\)\n"
    rf"{SUMMARY_LINE}$",
    re.MULTILINE,
)


def restore_default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interrupt_when_running(
    project: GeneratedProject, command: list[str], marker: Path
) -> subprocess.CompletedProcess[str]:
    """Start ``command``, wait for the planted test, then Ctrl-C its process group."""
    environment = clean_environment(
        {"INTERRUPT_MARKER": str(marker), "UV_PROJECT_ENVIRONMENT": str(project.venv)}
    )
    process = subprocess.Popen(
        command,
        cwd=project.root,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        # A shell without job control starts background jobs with SIGINT ignored (CI may),
        # and an ignored signal stays ignored across exec: give the run Ctrl-C back.
        preexec_fn=restore_default_sigint,
    )
    try:
        deadline = time.monotonic() + 300
        while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), "the planted test never ran"
        os.killpg(process.pid, signal.SIGINT)
        output, _ = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return subprocess.CompletedProcess(command, process.returncode, output)


@pytest.mark.parametrize(
    "launcher",
    [
        pytest.param(["{bin}/python", "-m", "pytest"], id="pytest"),
        pytest.param(["uv", "run", "--no-sync", "pytest"], id="uv-run"),
    ],
)
def test_ctrl_c_gives_the_short_report_and_no_pyramid_verdict(
    scratch_project: GeneratedProject, tmp_path: Path, launcher: list[str]
) -> None:
    scratch_project.write("tests/integration/test_interrupted_here.py", PLANTED)
    command = [part.format(bin=scratch_project.venv / "bin") for part in launcher]

    result = interrupt_when_running(
        scratch_project, [*command, "-p", "no:cacheprovider"], tmp_path / "marker"
    )

    output = result.stdout
    assert result.returncode == pytest.ExitCode.INTERRUPTED, output
    assert SHORT_REPORT.search(output), output
    # ...and pytest's summary line is the last thing printed: nothing after the report.
    assert re.fullmatch(SUMMARY_LINE, output.rstrip().splitlines()[-1]), output
    for symptom in ("Traceback", "PytestUnraisableExceptionWarning", "INTERNALERROR"):
        assert symptom not in output, output
    assert "partial run (interrupted): shape not judged" in output
    assert "OUT OF TOLERANCE" not in output
    assert not re.search(r"\)  ok$", output, re.MULTILINE), output


def test_a_run_stopped_by_the_first_failure_is_not_judged(
    scratch_project: GeneratedProject,
) -> None:
    scratch_project.write("tests/unit/test_fails.py", "def test_fails():\n    assert False\n")

    run = scratch_project.pytest("-x", "--pyramid-strict", "-p", "no:randomly")

    assert run.returncode == pytest.ExitCode.TESTS_FAILED, run.output
    assert "partial run (stopping after 1 failures): shape not judged" in run.output
    assert "OUT OF TOLERANCE" not in run.output
