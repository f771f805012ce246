"""Processes for the many-node and `kill -9` tests: Redis, `flask worker`s and gunicorn web
nodes, each with its own instance folder, all on 127.0.0.1.

Redis at 127.0.0.1:6379 is used when it answers; otherwise a redis-server is started on a free
port for the run. Every run uses its own queue name, so runs sharing a Redis never meet.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import redis

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
VISIBILITY_TIMEOUT = 2  # seconds before a killed worker's task is delivered again


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, timeout=30.0, interval=0.1, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class RedisServer:
    """The local Redis, or one started here if none answers."""

    def __init__(self):
        self.process = None
        if self._answers(6379):
            self.url = "redis://127.0.0.1:6379/0"
            return
        server = shutil.which("redis-server")
        assert server, "Redis is not answering and redis-server is not installed"
        port = free_port()
        self.process = subprocess.Popen(
            [
                server,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_for(lambda: self._answers(port), 10, what="redis-server to answer")
        self.url = f"redis://127.0.0.1:{port}/0"

    @staticmethod
    def _answers(port) -> bool:
        try:
            return redis.Redis(host="127.0.0.1", port=port, socket_timeout=0.5).ping()
        except redis.exceptions.ConnectionError:
            return False

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)


def node_environment(database_url, broker_url, queue, instance: Path, **extra) -> dict:
    instance.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "FLASK_APP": "portal",
        "PYTHONPATH": str(ROOT),
        "PORTAL_ENV": "development",
        "SECRET_KEY": "many-node-test-secret",
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": database_url,
        "TASK_BROKER_URL": broker_url,
        "TASK_QUEUE": queue,
        "TASK_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "SCANNER_ALLOWED_NETWORKS": "127.0.0.0/8",
        "NHSUK_FONTS": "system",
        **extra,
    }


class Process:
    """A child in its own process group, so `kill -9` takes it and every child it forked."""

    def __init__(self, argv, env, log: Path):
        self.log = log
        self._out = open(log, "wb")  # noqa: SIM115  (closed in stop)
        self.process = subprocess.Popen(
            argv,
            env=env,
            cwd=ROOT,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill9(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        self._out.close()

    def stop(self):
        # Nothing is in flight when a test ends: no need to wait for a graceful shutdown.
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self._out.close()


def start_worker(env, log: Path, wait=True) -> Process:
    """`flask worker` (solo pool: one task at a time); `wait` until it takes tasks."""
    worker = Process([str(BIN / "flask"), "worker", "--pool", "solo", "--log-tasks"], env, log)
    if wait:
        worker_ready(worker)
    return worker


def worker_ready(worker: Process) -> None:
    wait_for(lambda: " ready." in worker.output(), 30, what=f"the worker logging to {worker.log}")


def start_web(env, log: Path, wait=True) -> tuple[Process, str]:
    """A gunicorn web node with one worker process; `wait` until it answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    web = Process(
        [str(BIN / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        {**env, "PUBLIC_URL": url},
        log,
    )
    if wait:
        web_ready(url)
    return web, url


def web_ready(url: str) -> None:
    def answers():
        try:
            return httpx.get(f"{url}/", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    wait_for(answers, 30, what=f"the web node at {url}")


def new_queue() -> str:
    return f"portal-test-{uuid.uuid4().hex[:10]}"


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: httpx.Client, page: str) -> str:
    match = CSRF.search(client.get(page).text)
    assert match, f"no CSRF token on {page}"
    return match.group(1)
