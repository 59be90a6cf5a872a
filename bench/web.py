"""The web side: time to 202 of ``POST /api/jobs/import/``, and job status polls per second.

Runs ``manage.py runserver --noreload`` (DEBUG off, plain HTTP) on a free loopback port,
logs in through the login page (session + CSRF) with urllib, as a browser would.
No worker runs meanwhile: the uploads stay queued, which is all the API promises.
"""

from __future__ import annotations

import http.cookiejar
import json
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field

from bench.django_side import PASSWORD, USERNAME
from bench.measure import PeakMemory
from bench.procs import BASE_DIR, PYTHON, BenchError, Database

SERVER_ENV = {
    "OMS_DEBUG": "0",
    "OMS_SECURE_SSL_REDIRECT": "0",
    "OMS_SECURE_COOKIES": "0",
    "OMS_ALLOWED_HOSTS": "127.0.0.1,localhost",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Session:
    """A logged-in browser session: cookies, CSRF header."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.jar if c.name == name), "")

    def request(self, path: str, data: bytes | None = None, headers: dict | None = None):
        headers = {"Referer": self.base + "/", **(headers or {})}
        request = urllib.request.Request(self.base + path, data=data, headers=headers)
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def login(self) -> None:
        self.request("/accounts/login/")
        form = {"username": USERNAME, "password": PASSWORD, "next": "/admin/",
                "csrfmiddlewaretoken": self.cookie("csrftoken")}  # fmt: skip
        status, _body = self.request("/accounts/login/", urllib.parse.urlencode(form).encode())
        if status != 200 or not self.cookie("sessionid"):
            raise BenchError(f"login failed with HTTP {status}")

    def upload(self, name: str, body: bytes, kind: str = "order") -> tuple[int, dict]:
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\n{kind}\r\n',
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{name}"\r\nContent-Type: text/csv\r\n\r\n',
        ]
        data = "".join(parts).encode() + body + f"\r\n--{boundary}--\r\n".encode()
        headers = {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "X-CSRFToken": self.cookie("csrftoken"),
        }
        status, answer = self.request("/api/jobs/import/", data, headers)
        return status, json.loads(answer or b"{}")


@dataclass
class WebResult:
    uploads: dict[int, list[float]] = field(default_factory=dict)  # size → seconds per try
    polls: int = 0
    poll_seconds: float = 0.0
    poll_threads: int = 0
    server_peak_mb: float = 0.0


class Server:
    def __init__(self, db: Database) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = (db.root / "logs" / "bench-web.log").open("w")
        command = [PYTHON, "manage.py", "runserver", "--noreload", f"127.0.0.1:{self.port}"]
        self.proc = subprocess.Popen(command, cwd=BASE_DIR, env=db.env(**SERVER_ENV),
                                     stdout=self.log, stderr=subprocess.STDOUT)  # fmt: skip

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"runserver exited with {self.proc.returncode}")
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=5).close()
                return
            except urllib.error.HTTPError:
                return  # answering, even if unhealthy (no worker): that is enough here
            except OSError:
                time.sleep(0.1)
        raise BenchError("runserver did not answer")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def _poll(session: Session, path: str, until: float, counts: list[int]) -> None:
    done = 0
    while time.monotonic() < until:
        status, _body = session.request(path)
        if status != 200:
            raise BenchError(f"GET {path}: HTTP {status}")
        done += 1
    counts.append(done)


def run_web(db: Database, bodies: dict[int, list[bytes]], poll_for: float, threads: int = 4):
    """Upload each body (time to 202), then poll the last job from ``threads`` threads."""
    server = Server(db)
    result = WebResult(poll_threads=threads)
    try:
        server.wait_ready()
        session = Session(server.base)
        session.login()
        status, answer = session.upload("warm-up.csv", b"x,y\n1,2\n")  # not timed
        if status != 202:
            raise BenchError(f"warm-up upload answered HTTP {status}: {answer}")
        job_url = ""
        with PeakMemory(server.proc.pid) as peak:
            for size, tries in bodies.items():
                for number, body in enumerate(tries):
                    started = time.perf_counter()
                    status, answer = session.upload(f"orders-{size}-{number}.csv", body)
                    elapsed = time.perf_counter() - started
                    if status != 202:
                        raise BenchError(f"upload answered HTTP {status}: {answer}")
                    result.uploads.setdefault(size, []).append(elapsed)
                    job_url = answer["url"]
            counts: list[int] = []
            until = time.monotonic() + poll_for
            started = time.monotonic()
            workers = [threading.Thread(target=_poll, args=(session, job_url, until, counts))
                       for _ in range(threads)]  # fmt: skip
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
            result.poll_seconds = time.monotonic() - started
            result.polls = sum(counts)
        result.server_peak_mb = peak.peak_mb
    finally:
        server.stop()
    return result
