"""`make run`'s processes: when one of them dies, the terminal says which, why and what next."""

import os
import re
import signal
import subprocess
import sys
import threading
import time

import pytest

from tests.processes import BASE_DIR, BIN_DIR, free_port, manage

pytestmark = pytest.mark.integration


def test_a_killed_worker_stops_make_run_with_its_last_lines_and_how_to_start_again(
    process_env,
):
    assert manage("migrate", "--noinput", env=process_env).returncode == 0
    honcho = [str(BIN_DIR / "honcho"), "start", "-f", "Procfile"]
    run = subprocess.Popen(
        [sys.executable, "-m", "utils.run_report", *honcho],
        cwd=BASE_DIR,
        env={**process_env, "PORT": str(free_port())},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    threading.Thread(target=lambda: output.extend(run.stdout), daemon=True).start()
    try:
        worker_pid = wait_for(output, r"worker\.1 started \(pid=(\d+)\)")
        wait_for(output, r"worker\.1 +\|.* ready\.")
        os.killpg(int(worker_pid), signal.SIGKILL)
        run.wait(timeout=60)
    finally:
        if run.poll() is None:
            run.terminate()
            run.wait(timeout=60)
    text = "".join(output)

    assert "== worker.1 exited with code -9, so the other processes were stopped." in text
    last_lines = text.split("== Its last lines:")[1]
    assert "ready." in last_lines  # the worker's own output, not the web's
    assert "start again with `make run`" in text
    assert re.search(r"web\.1 stopped", text) and re.search(r"beat\.1 stopped", text)


def wait_for(output: list[str], pattern: str, timeout: float = 90) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := re.search(pattern, "".join(output)):
            return found.group(1) if found.groups() else found.group(0)
        time.sleep(0.2)
    raise AssertionError(f"{pattern!r} not seen:\n{''.join(output)[-4000:]}")
