"""RabbitMQ for tests: a vhost of each test's own on the named server, or a private node
of the test's own (its own name, ports and data folder) to stop and start at will."""

import contextlib
import os
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit

from tests.processes import free_port

# Debian's /usr/sbin/rabbitmq-server switches to the rabbitmq user, who cannot write the
# test's folders; the script it wraps runs the node as the caller.
DEBIAN_SERVER = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")


def rabbitmqctl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["rabbitmqctl", *args], capture_output=True, text=True, timeout=60, check=False
    )


def vhost_create(server_url: str) -> str:
    """A new vhost on the server of ``server_url``, its user allowed everything there;
    the URL of that vhost. RuntimeError saying why when rabbitmqctl cannot make it."""
    if shutil.which("rabbitmqctl") is None:
        raise RuntimeError("rabbitmqctl is not installed")
    parts = urlsplit(server_url)
    vhost = f"oms-test-{uuid.uuid4().hex[:12]}"
    for args in (
        ("add_vhost", vhost),
        ("set_permissions", "-p", vhost, parts.username or "guest", ".*", ".*", ".*"),
    ):
        done = rabbitmqctl(*args)
        if done.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {args[0]} failed: {done.stdout}{done.stderr}")
    return parts._replace(path=f"/{quote(vhost, safe='')}").geturl()


def vhost_delete(url: str) -> None:
    rabbitmqctl("delete_vhost", urlsplit(url).path.lstrip("/"))


def queue_size(url: str, queue: str) -> int | None:
    """Messages ready in ``queue`` as RabbitMQ itself counts them; None: no such queue."""
    from kombu import Connection

    with Connection(url, connect_timeout=5) as connection:
        channel = connection.channel()
        try:
            return channel.queue_declare(queue=queue, passive=True).message_count
        except connection.channel_errors:
            return None


def assert_on_rabbitmq(banner: str, url: str) -> None:
    """A Celery worker's or beat's start-up banner names the RabbitMQ of ``url``."""
    parts = urlsplit(url)
    assert f"amqp://{parts.username}:**@{parts.hostname}:{parts.port}{parts.path}" in banner, banner


class RabbitNode:
    """``rabbitmq-server`` as a node of the test's own: its name, AMQP and distribution
    ports and every file under ``folder``, guest allowed from loopback (the default).
    Stopped and started again, it keeps its data (durable queues, persistent messages)."""

    def __init__(self, folder: Path):
        if not DEBIAN_SERVER.exists() and shutil.which("rabbitmq-server") is None:
            raise RuntimeError("rabbitmq-server is not installed")
        self.port, self.dist_port = free_port(), free_port()
        self.folder = folder
        self.url = f"amqp://guest:guest@127.0.0.1:{self.port}//"
        self.proc: subprocess.Popen | None = None
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "rabbitmq.conf").write_text(f"listeners.tcp.default = 127.0.0.1:{self.port}\n")
        (folder / "enabled_plugins").write_text("[].\n")
        (folder / "rabbitmq-env.conf").write_text("")  # not the system's node name
        self.env = {
            **os.environ,
            "HOME": str(folder),  # its Erlang cookie
            "RABBITMQ_NODENAME": f"oms-test-{self.port}@localhost",
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(folder / "mnesia"),
            "RABBITMQ_LOG_BASE": str(folder / "log"),
            "RABBITMQ_PID_FILE": str(folder / "node.pid"),
            "RABBITMQ_CONFIG_FILE": str(folder / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(folder / "enabled_plugins"),
            "RABBITMQ_CONF_ENV_FILE": str(folder / "rabbitmq-env.conf"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
        }

    def start(self, timeout: float = 120) -> None:
        from kombu import Connection

        server = str(DEBIAN_SERVER) if DEBIAN_SERVER.exists() else "rabbitmq-server"
        output = (self.folder / "server.out").open("ab")
        self.proc = subprocess.Popen(
            [server], env=self.env, stdout=output, stderr=subprocess.STDOUT, cwd=self.folder,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while True:
            try:
                with Connection(self.url, connect_timeout=2) as connection:
                    connection.connect()
                return
            except Exception:  # refused, or not ready to talk yet
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    log = (self.folder / "server.out").read_text(errors="replace")
                    raise RuntimeError(f"rabbitmq-server did not start:\n{log[-4000:]}") from None
                time.sleep(0.25)

    def _beam_pid(self) -> int:
        return int((self.folder / "node.pid").read_text().strip())

    def freeze(self) -> None:
        """SIGSTOP the node: connections stay open, nothing answers (a hung host)."""
        os.kill(self._beam_pid(), signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self._beam_pid(), signal.SIGCONT)

    def stop(self) -> None:
        """SIGTERM to the process started here: the node shuts down cleanly."""
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(OSError):  # a frozen node would not hear SIGTERM
            self.thaw()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)  # its own session: this node only
            self.proc.wait()
