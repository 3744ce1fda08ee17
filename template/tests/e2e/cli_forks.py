"""Run the CLI in forked children of one process that has already imported it.

Starting the installed command costs about 0.3 s, most of it importing the
application and SQLAlchemy, on every call. Here one helper process per worker
imports the CLI once; each call forks it, so every call is still a process of
its own: fresh state, its own engine and connection, its own stdout, stderr and
exit status, ``DATABASE_URL`` from the test's environment. What a fork skips is
the interpreter's start-up and the imports, so one test still runs the
installed console script (``run_installed_cli``). Where ``os.fork`` does not
exist (Windows), every call runs the installed command.

A call may run as long as the E2E tier's timeout (``pyramid_e2e_timeout``);
one still running then is killed and reported with its output so far, and so
is one whose test is stopped (the hang guard): no CLI process outlives its test.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from pathlib import Path

SERVER = r"""
import importlib, json, os, sys, traceback

main = importlib.import_module(sys.argv[1]).main


def run(request):
    code = 1
    try:
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
            target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(target, fd)
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = [request["prog"], *request["args"]]
        try:
            code = main(request["args"])
        except SystemExit as exit:
            code = exit.code
        if code is None:
            code = 0
        elif not isinstance(code, int):
            print(code, file=sys.stderr)
            code = 1
    except BaseException:
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                pass
        os._exit(code)


for line in sys.stdin:
    pid = os.fork()
    if pid == 0:
        run(json.loads(line))
    print(json.dumps({"pid": pid}), flush=True)
    _, status = os.waitpid(pid, 0)
    print(json.dumps({"exit_code": os.waitstatus_to_exitcode(status)}), flush=True)
"""

FORK_AVAILABLE = hasattr(os, "fork")


class CliTimeoutError(RuntimeError):
    """A CLI call still running when the E2E tier's timeout ran out; it was killed."""


def explain_overrun(command: str, seconds: float, stdout: str, stderr: str) -> str:
    return (
        f"`{command}` was still running after {seconds:g} s, the E2E tier's timeout "
        "(pyramid_e2e_timeout), and was killed: its output below shows how far it got; "
        "raise that timeout only if the machine is that slow.\n"
        f"--- stdout ---\n{stdout}--- stderr ---\n{stderr}"
    )


class CliForks:
    """The helper process of one worker, started on the first call, stopped at the end."""

    def __init__(self, cli_module: str, prog: str, timeout_seconds: float, folder: Path) -> None:
        """``folder``: an empty folder of this worker's, for the calls' output and the log."""
        self._cli_module = cli_module
        self._prog = prog
        self._timeout_seconds = timeout_seconds
        self._process: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()
        self._folder = folder

    async def run(self, args: tuple[str, ...]) -> tuple[int, str, str]:
        """Exit status, stdout and stderr of one call; a child that overruns is killed."""
        async with self._lock:
            process = await self._started()
            assert process.stdin is not None
            stdout, stderr = self._folder / "stdout", self._folder / "stderr"
            request = {
                "args": list(args),
                "prog": self._prog,
                "env": dict(os.environ),
                "stdout": str(stdout),
                "stderr": str(stderr),
            }
            try:
                process.stdin.write(json.dumps(request).encode() + b"\n")
                await process.stdin.drain()
            except ConnectionError:  # the helper died between calls
                raise RuntimeError(self._helper_exited()) from None
            child = (await self._reply(process))["pid"]
            try:
                reply = await asyncio.wait_for(self._reply(process), self._timeout_seconds)
            except (TimeoutError, asyncio.CancelledError) as error:  # overran, or test stopped
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child, signal.SIGKILL)
                await self._reply(process)
                if isinstance(error, asyncio.CancelledError):
                    raise
                command = " ".join([self._prog, *args])
                message = explain_overrun(
                    command, self._timeout_seconds, stdout.read_text(), stderr.read_text()
                )
                raise CliTimeoutError(message) from None
            return reply["exit_code"], stdout.read_text(), stderr.read_text()

    async def stop(self) -> None:
        if self._process is not None and self._process.returncode is None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            try:
                await asyncio.wait_for(self._process.wait(), 5)
            except TimeoutError:
                self._process.kill()
                await self._process.wait()
        for name in ("stdout", "stderr", "server.log"):
            with contextlib.suppress(FileNotFoundError):
                (self._folder / name).unlink()
        with contextlib.suppress(OSError):
            self._folder.rmdir()

    async def _started(self) -> asyncio.subprocess.Process:
        if self._process is None or self._process.returncode is not None:
            with (self._folder / "server.log").open("wb") as log:
                self._process = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-c",
                    SERVER,
                    self._cli_module,
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=log,
                )
        return self._process

    async def _reply(self, process: asyncio.subprocess.Process) -> dict[str, int]:
        assert process.stdout is not None
        line = await process.stdout.readline()
        if not line:
            raise RuntimeError(self._helper_exited())
        reply: dict[str, int] = json.loads(line)
        return reply

    def _helper_exited(self) -> str:
        log = (self._folder / "server.log").read_text()
        return f"the CLI's helper process exited:\n{log}"
