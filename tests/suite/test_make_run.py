"""`make run`'s processes: when one of them dies, the terminal says which, why and what next;
Ctrl-C stops all three without killing the worker in its warm shutdown."""

import os
import re
import signal
import subprocess
import threading
import time

import pytest

from tests.processes import BASE_DIR, free_port

pytestmark = pytest.mark.integration


class MakeRun:
    """`make run` in its own process group, as a terminal starts it."""

    def __init__(self, env: dict):
        self.proc = subprocess.Popen(
            ["make", "run", f"PORT={free_port()}"],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.output: list[str] = []
        threading.Thread(target=lambda: self.output.extend(self.proc.stdout), daemon=True).start()

    @property
    def text(self) -> str:
        return "".join(self.output)

    def wait_for(self, pattern: str, timeout: float = 180) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if found := re.search(pattern, self.text):
                return found.group(1) if found.groups() else found.group(0)
            time.sleep(0.2)
        raise AssertionError(f"{pattern!r} not seen:\n{self.text[-4000:]}")

    def wait_ready(self) -> int:
        """The worker's pid, once web, worker and beat have started."""
        worker_pid = self.wait_for(r"worker\.1 started \(pid=(\d+)\)")
        self.wait_for(r"worker\.1 +\|.* ready\.")
        self.wait_for(r"beat\.1 +\|.*beat: Starting")
        return int(worker_pid)

    def end(self) -> None:
        try:
            self.proc.wait(timeout=90)
            time.sleep(0.5)  # the last lines
        finally:
            if self.proc.poll() is None:
                self.proc.terminate()
                self.proc.wait(timeout=60)


def test_a_killed_worker_stops_make_run_with_its_last_lines_and_how_to_start_again(
    process_env,
):
    run = MakeRun(process_env)
    try:
        os.killpg(run.wait_ready(), signal.SIGKILL)
    finally:
        run.end()

    assert "== worker.1 exited with code -9, so the other processes were stopped." in run.text
    last_lines = run.text.split("== Its last lines:")[1]
    assert "ready." in last_lines  # the worker's own output, not the web's
    assert "start again with `make run`" in run.text
    assert re.search(r"web\.1 stopped", run.text) and re.search(r"beat\.1 stopped", run.text)


def test_make_run_on_an_empty_var_folder_starts_all_three_and_ctrl_c_stops_them(process_env):
    assert not os.path.exists(process_env["OMS_VAR_DIR"])
    run = MakeRun(process_env)
    try:
        run.wait_ready()
        os.killpg(run.proc.pid, signal.SIGINT)  # what the terminal sends to its group
    finally:
        run.end()

    assert "web.1 started" in run.text and "beat.1 started" in run.text
    assert "SIGKILL" not in run.text, run.text[-3000:]
    assert "worker: Warm shutdown" in run.text
    for name in ("web", "worker", "beat"):
        assert re.search(rf"{name}\.1 stopped", run.text), run.text[-3000:]
    assert "exited with code" not in run.text  # nothing to report after Ctrl-C
