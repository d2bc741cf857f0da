"""Fixtures for integration tests: real tern-server (and redis-server, the anchor) processes
on free loopback ports, talked to with redis-py and redis-cli.

The binary comes from $TERN_SERVER (ctest sets it) or build/release/tern-server. Servers are
waited for by polling PING with a deadline, never by sleeping a fixed time.
"""
import os
import pathlib
import shutil
import socket
import subprocess
import tempfile
import time

import pytest
import redis

ROOT = pathlib.Path(__file__).resolve().parents[2]
TERN_SERVER = os.environ.get("TERN_SERVER", str(ROOT / "build" / "release" / "tern-server"))
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"
START_DEADLINE_S = 10.0


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, timeout_s, what):
    """Polls `condition` until it returns a truthy value or the deadline passes."""
    deadline = time.monotonic() + timeout_s
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except Exception as error:  # noqa: BLE001 - the condition's own failure is the signal
            last_error = error
        time.sleep(0.01)
    raise TimeoutError(f"timed out waiting for {what}: {last_error}")


class ServerProcess:
    """A running server: its port, a log file, and clean shutdown."""

    def __init__(self, argv, port, log_path):
        self.port = port
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.process = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT)
        try:
            wait_until(self._answers_ping, START_DEADLINE_S, f"{argv[0]} on port {port}")
        except TimeoutError:
            self.stop()
            raise

    def _answers_ping(self):
        if self.process.poll() is not None:
            raise RuntimeError(f"server exited with {self.process.returncode}: {self.log_text()}")
        with redis.Redis(port=self.port, socket_timeout=1) as r:
            try:
                return r.ping()
            except redis.AuthenticationError:
                return True  # up, and asking for a password (requirepass)
            except redis.ResponseError as error:
                return "NOAUTH" in str(error)

    def client(self, **kwargs):
        return redis.Redis(port=self.port, socket_timeout=10, **kwargs)

    def cli(self, *args, input_text=None):
        """Runs redis-cli against this server; returns stdout as text."""
        result = subprocess.run([REDIS_CLI, "-p", str(self.port), *args], input=input_text,
                                capture_output=True, text=True, timeout=30, check=False)
        return result.stdout

    def log_text(self):
        self.log.flush()
        return pathlib.Path(self.log_path).read_text(errors="replace")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def start_tern(tmp_path, *extra):
    port = free_port()
    config_file = [extra[0]] if extra and not extra[0].startswith("--") else []
    overrides = list(extra[len(config_file):])
    argv = [TERN_SERVER, *config_file, "--port", str(port), "--bind", "127.0.0.1", *overrides]
    return ServerProcess(argv, port, str(tmp_path / f"tern-{port}.log"))


def start_redis(tmp_path, *extra):
    port = free_port()
    argv = [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", str(tmp_path), *extra]
    return ServerProcess(argv, port, str(tmp_path / f"redis-{port}.log"))


@pytest.fixture
def tern(tmp_path):
    server = start_tern(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def anchor(tmp_path):
    """Debian's redis-server 7, the reference for replies."""
    server = start_redis(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def tern_factory(tmp_path):
    started = []

    def make(*extra):
        server = start_tern(tmp_path, *extra)
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()
