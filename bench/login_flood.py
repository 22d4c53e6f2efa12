"""Login flood: an authenticated search's latency while anonymous clients flood the sign-in route.

Starts a real ``sohoa serve`` on 127.0.0.1 (private data directory, production password hashing),
times authenticated searches with no other load (the baseline, measured in the same run), then
again while a separate process keeps ``--concurrency`` wrong-password sign-ins in flight for
``--seconds`` (bounded by ``--max-attempts``; loopback only). Prints search p95 under the flood,
the quiet p95, their ratio, and what the flood got back (401 = a hash computed, 429 = refused first).
Target: ratio <= 2.

    .venv/bin/python bench/login_flood.py --concurrency 240 --seconds 20
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from bench.timing import percentile, served, signed_in  # noqa: E402

PASSWORD = "bench-password-login-flood"


def flood(url: str, concurrency: int, seconds: float, max_attempts: int, results: multiprocessing.Queue) -> None:
    """Wrong passwords for a real and made-up accounts, ``concurrency`` connections at a time.

    Plain asyncio streams with ready-made requests keep the flooding process itself cheap, so that
    what slows the search is the server's work, not the flooder's on the same cores."""
    host, port = url.removeprefix("http://").split(":")

    def request(n: int) -> bytes:
        user = "bench" if n % 4 == 0 else f"guess{n % 50}"
        body = f"username={user}&password=wrong-{n}".encode()
        return (f"POST /api/v1/auth/token HTTP/1.1\r\nHost: {host}\r\n"
                f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n"
                ).encode() + body

    async def run() -> Counter:
        statuses: Counter = Counter()
        deadline = time.monotonic() + seconds
        sent = 0

        async def one_connection(n: int) -> None:
            nonlocal sent
            reader = writer = None
            while time.monotonic() < deadline and sent < max_attempts:
                try:
                    if writer is None:
                        reader, writer = await asyncio.open_connection(host, int(port))
                    sent += 1
                    writer.write(request(n * 100_000 + sent))
                    await writer.drain()
                    head = await reader.readuntil(b"\r\n\r\n")
                    status = int(head.split(b" ", 2)[1])
                    length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                                   if line.lower().startswith(b"content-length:")), 0)
                    await reader.readexactly(length)
                    statuses[status] += 1
                    if b"connection: close" in head.lower():
                        writer.close()
                        writer = None
                except (OSError, asyncio.IncompleteReadError) as exc:
                    statuses[type(exc).__name__] += 1
                    writer = None
            if writer is not None:
                writer.close()

        await asyncio.gather(*(one_connection(n) for n in range(concurrency)))
        return statuses

    results.put(dict(asyncio.run(run())))


def time_searches(http: httpx.Client, n: int, pause: float = 0.02) -> list[float]:
    out = []
    for i in range(n):
        t = time.perf_counter()
        r = http.get("/api/v1/search", params={"q": "bảo hiểm xã hội" if i % 2 else "giấy khai sinh"})
        out.append(time.perf_counter() - t)
        assert r.status_code == 200, r.text
        time.sleep(pause)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--concurrency", type=int, default=240)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--max-attempts", type=int, default=50_000)
    ap.add_argument("--searches", type=int, default=150)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "SOHOA_DATA_DIR": str(Path(tmp) / "var"), "SOHOA_SCHEDULER_START_DELAY_S": "3600"}
        with served(env, [("bench", "handler"), ("searcher", "handler")], PASSWORD) as url:
            http = signed_in(url, "searcher", PASSWORD)
            time_searches(http, 10)  # warm up
            quiet = time_searches(http, args.searches)

            results: multiprocessing.Queue = multiprocessing.Queue()
            flooder = multiprocessing.Process(target=flood, args=(url, args.concurrency, args.seconds,
                                                                  args.max_attempts, results))
            started = time.monotonic()
            flooder.start()
            time.sleep(1.0)  # let the flood build up
            loaded = []
            while time.monotonic() - started < args.seconds - 0.5:
                loaded += time_searches(http, 10)
            flood_statuses = results.get(timeout=args.seconds + 120)
            flooder.join(30)
            elapsed = time.monotonic() - started

    q95, l95 = percentile(quiet, 95) * 1000, percentile(loaded, 95) * 1000
    attempts = sum(flood_statuses.values())
    print(f"flood: {args.concurrency} concurrent sign-ins, {attempts} attempts in {elapsed:.0f} s "
          f"({attempts / elapsed:.0f}/s), statuses {flood_statuses}")
    print(f"search quiet (ms): p50 {statistics.median(quiet) * 1000:.1f}  p95 {q95:.1f}  (n={len(quiet)})")
    print(f"search under flood (ms): p50 {statistics.median(loaded) * 1000:.1f}  p95 {l95:.1f}  (n={len(loaded)})")
    print(f"ratio p95 under flood / quiet p95: {l95 / q95:.2f}")
    print(f"target ratio <= 2: {'met' if l95 / q95 <= 2 else 'NOT met'}")


if __name__ == "__main__":
    main()
