"""What the benchmarks share: a median time, a free loopback port, a percentile, and a
``sohoa serve`` process with its users, started and stopped around the measurement."""
from __future__ import annotations

import os
import signal
import statistics
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]


def timed(fn: Callable[[], object], rounds: int) -> float:
    """Median seconds of ``rounds`` calls of ``fn``, after one uncounted call (plans, caches)."""
    fn()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank ``p``-th percentile (0-100) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@contextmanager
def served(env: Mapping[str, str], users: Sequence[tuple[str, str]], password: str) -> Iterator[str]:
    """Create ``users`` (name, role) in office BENCH, start ``sohoa serve`` on a free loopback port,
    wait until it answers, yield its URL; stop its process group afterwards."""
    for name, role in users:
        subprocess.run([sys.executable, "-m", "sohoa.cli", "users", "create", name, "--role", role,
                        "--office", "BENCH"], input=f"{password}\n{password}\n", text=True, check=True,
                       cwd=REPO, env=dict(env), capture_output=True)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "sohoa.cli", "serve", "--host", "127.0.0.1",
                               "--port", str(port)], cwd=REPO, env=dict(env), start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                httpx.get(f"{url}/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)


def signed_in(url: str, username: str, password: str) -> httpx.Client:
    token = httpx.post(f"{url}/api/v1/auth/token", data={"username": username, "password": password},
                       timeout=30).json()["access_token"]
    return httpx.Client(base_url=url, timeout=60, headers={"Authorization": f"Bearer {token}"})
