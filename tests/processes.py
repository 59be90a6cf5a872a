"""Starting the project's real processes (Celery workers, manage.py) from tests."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BIN_DIR = Path(sys.executable).parent


def process_env_for(root: Path, **overrides: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("OMS_") or k.startswith("OMS_TEST")
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "oms_test.settings",
            "OMS_VAR_DIR": str(root / "var"),
            "OMS_LOG_DIR": str(root / "logs"),
            "OMS_FILES_ROOT": str(root / "files"),
            "OMS_DATABASE_URL": f"sqlite:///{root / 'var' / 'oms.sqlite3'}",
            "PYTHONPATH": str(BASE_DIR),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(overrides)
    return env


def run_python(code: str, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def manage(*args: str, env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class WorkerProcess:
    """``celery -A oms_test worker`` as a real child process, its output collected."""

    def __init__(self, env: dict, *args: str):
        self.output: list[str] = []
        self.proc = subprocess.Popen(
            [str(BIN_DIR / "celery"), "-A", "oms_test", "worker", "-l", "info", *args],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self):
        for line in self.proc.stdout:
            self.output.append(line)

    @property
    def text(self) -> str:
        return "".join(self.output)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.text:
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited with {self.proc.returncode}:\n{self.text}")
            time.sleep(0.1)
        raise TimeoutError(f"worker not ready after {timeout}s:\n{self.text}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
