"""Starting the project's real processes (Celery workers, manage.py) from tests."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BIN_DIR = Path(sys.executable).parent


def process_env_for(root: Path, **overrides: str) -> dict[str, str]:
    # The test process's own OMS_* paths and its browser-test switches stay out.
    env = {
        k: v
        for k, v in os.environ.items()
        if (not k.startswith("OMS_") or k.startswith("OMS_TEST"))
        and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
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


class CeleryProcess:
    """``celery -A oms_test worker|beat`` as a real child process, its output collected."""

    command = "worker"
    ready_marker = " ready."

    def __init__(self, env: dict, *args: str, prefix: tuple[str, ...] = ()):
        """``prefix``: a command to run it under, e.g. ``ip netns exec NAME``. Its output
        is kept in ``processes/`` of the process's log folder, to be read after a failure."""
        self.output: list[str] = []
        self.proc = subprocess.Popen(
            [*prefix, str(BIN_DIR / "celery"), "-A", "oms_test", self.command, "-l", "info", *args],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group: kill() takes the pool children too
        )
        log_dir = Path(env.get("OMS_LOG_DIR") or BASE_DIR / "logs") / "processes"
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"{self.command}-{self.proc.pid}.log"
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self):
        with self.log_path.open("a") as log:
            for line in self.proc.stdout:
                self.output.append(line)
                log.write(line)
                log.flush()

    def last_lines(self, count: int = 40) -> str:
        return "".join(self.output[-count:])

    @property
    def text(self) -> str:
        return "".join(self.output)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ready_marker in self.text:
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited with {self.proc.returncode}:\n{self.text}")
            time.sleep(0.1)
        raise TimeoutError(f"worker not ready after {timeout}s:\n{self.text}")

    def kill(self) -> None:
        """kill -9 the worker and its pool processes, as a crash or an OOM killer would."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class WorkerProcess(CeleryProcess):
    command = "worker"


class BeatProcess(CeleryProcess):
    """Beat with its schedule file in ``OMS_VAR_DIR``; ready once it starts sending."""

    command = "beat"
    ready_marker = "beat: Starting"

    def __init__(self, env: dict, *args: str):
        schedule = Path(env["OMS_VAR_DIR"]) / "celerybeat-schedule"
        super().__init__(env, "--schedule", str(schedule), *args)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class WebProcess:
    """``manage.py runserver`` on a free port: the web as a separate process."""

    def __init__(self, env: dict, host: str = "127.0.0.1"):
        self.port = free_port()
        self.url = f"http://{host}:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"{host}:{self.port}", "--noreload"],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                HttpSession(self.url).get("/accounts/login/")
                return
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("the web process did not start") from None
                time.sleep(0.2)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


class HttpSession:
    """A browser-like HTTP client: cookies, CSRF, multipart uploads (standard library only)."""

    def __init__(self, base_url: str):
        import http.cookiejar
        import urllib.request

        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def _csrf(self) -> str:
        return next((c.value for c in self.cookies if c.name == "csrftoken"), "")

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ):
        """(status, headers, body) for any status, errors included."""
        import urllib.error
        import urllib.request

        headers = {"X-CSRFToken": self._csrf(), "Referer": self.base_url + "/", **(headers or {})}
        req = urllib.request.Request(
            self.base_url + path, data=body, method=method, headers=headers
        )
        try:
            with self.opener.open(req, timeout=60) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def get(self, path: str):
        return self.request("GET", path)

    def login(self, username: str, password: str) -> None:
        from urllib.parse import urlencode

        self.get("/accounts/login/")
        form = urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": self._csrf()}
        )
        status, _headers, _body = self.request(
            "POST",
            "/accounts/login/",
            form.encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert any(c.name == "sessionid" for c in self.cookies), f"login failed ({status})"

    def upload(self, path: str, fields: dict, file_name: str, content: bytes):
        import uuid

        boundary = uuid.uuid4().hex
        parts = []
        for name, value in fields.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            )
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(
            "POST",
            path,
            b"".join(parts),
            {"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
