"""``make run``'s processes under honcho, with a report when one of them stops the rest.

honcho stops every process once one exits, and the reason scrolls away among the others'
lines. This passes honcho's output through unchanged, keeps the last lines of each
process, and when a process ended the run (not Ctrl-C) says which one, its exit code and
last lines, and how to start again.

Two changes to how honcho stops processes (``run_honcho``): it sends SIGTERM to the
process only, not to its whole process group, so a Celery worker stops its own pool (pool
processes killed beside it die holding the pool's queue lock, and the worker then hangs at
exit until SIGKILL); and it waits 30 s instead of 5 before SIGKILL, since a warm shutdown
alone takes about 5 s (the loop polls for 2 s, then the pool and timer stop). The Procfile
``exec``s each command, so the process honcho started is the program itself.

Usage: ``python -m utils.run_report start -f Procfile`` (honcho's arguments)
"""

import contextlib
import os
import re
import signal
import subprocess
import sys
from collections import defaultdict, deque

LAST_LINES = 20
GRACE_SECONDS = 30
RUN_HONCHO = "from utils.run_report import run_honcho; run_honcho()"
STOPPED = re.compile(r"^\S+ system\s+\| (?P<name>\S+) stopped \(rc=(?P<rc>-?\d+)\)")
INTERRUPTED = re.compile(r"^\S+ system\s+\| (SIGINT|SIGTERM) received")
PROCESS_LINE = re.compile(r"^\S+ (?P<name>\S+)\s+\| (?P<text>.*)$")


class RunWatch:
    """Reads honcho's lines; knows which process ended the run, if one did."""

    def __init__(self):
        self.last = defaultdict(lambda: deque(maxlen=LAST_LINES))
        self.first_stop: tuple[str, int] | None = None
        self.interrupted = False

    def read(self, line: str) -> None:
        line = line.rstrip("\n")
        if INTERRUPTED.match(line):
            self.interrupted = True
        elif stopped := STOPPED.match(line):
            if self.first_stop is None and not self.interrupted:
                self.first_stop = stopped["name"], int(stopped["rc"])
        elif (own := PROCESS_LINE.match(line)) and own["name"] != "system":
            self.last[own["name"]].append(own["text"])

    def report(self) -> str:
        if self.first_stop is None:
            return ""
        name, rc = self.first_stop
        lines = "\n".join(f"    {text}" for text in self.last[name]) or "    (no output)"
        return (
            f"\n== {name} exited with code {rc}, so the other processes were stopped."
            f"\n== Its last lines:\n{lines}\n"
            "== Fix the cause above, then start again with `make run`"
            " (logs/ holds the full logs).\n"
        )


def run_honcho() -> None:
    """honcho's command line, stopping processes as the module docstring says."""
    import honcho.command
    import honcho.compat
    import honcho.manager

    def terminate(_manager, pid: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGTERM)

    honcho.manager.KILL_WAIT = GRACE_SECONDS
    honcho.compat.ProcessManager.terminate = terminate
    sys.argv[0] = "honcho"
    honcho.command.main()


def main(honcho_args: list[str]) -> int:
    # Ctrl-C reaches honcho too (same process group): it stops its processes and exits.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watch = RunWatch()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}  # honcho's lines as they come
    with subprocess.Popen(
        [sys.executable, "-c", RUN_HONCHO, *honcho_args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
        env=env,
    ) as honcho:
        signal.signal(signal.SIGTERM, lambda *_: honcho.terminate())  # honcho stops the rest
        for line in honcho.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            watch.read(line)
    sys.stderr.write(watch.report())
    return honcho.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
