"""Operations benchmark: what metrics cost a request, and how fast a backup and a restore go.

Prints, each against a baseline measured in the same run:
* request overhead: GET /healthz answered in-process by the app with its metrics middleware,
  against the same app without it, interleaved, best of 3 (ratio > 1 is the cost of counting
  and timing);
* /metrics scrape time over a catalog of N documents (no baseline: an absolute figure);
* backup and restore: MB/s of ``sohoa backup``/``sohoa restore`` on a local store of N objects,
  against ``shutil.copytree`` of the same object directory (what ``cp -r`` does).

    .venv/bin/python bench/ops_overhead.py --requests 2000 --objects 300 --object-kb 256

Prints numbers; it is not a test.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient  # noqa: E402

from api import app as api_app  # noqa: E402
from api.metrics import scrape  # noqa: E402
from catalog.models import Document  # noqa: E402
from core import metrics  # noqa: E402
from core.settings import Settings  # noqa: E402
from records.backup import backup, restore  # noqa: E402
from sohoa.services import build_services  # noqa: E402
from storage import content_key, open_storage  # noqa: E402


def requests_per_second(settings: Settings, n: int, with_metrics: bool) -> float:
    if not with_metrics:
        original = api_app.RequestMetrics
        api_app.RequestMetrics = _Passthrough
    try:
        app = api_app.create_app(settings, lambda: build_services(settings, start_workers=False))
    finally:
        if not with_metrics:
            api_app.RequestMetrics = original
    with TestClient(app) as client:
        for _ in range(50):
            client.get("/healthz")
        started = time.perf_counter()
        for _ in range(n):
            client.get("/healthz")
        return n / (time.perf_counter() - started)


class _Passthrough:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        await self.app(scope, receive, send)


def populate(settings: Settings, objects: int, object_kb: int) -> int:
    services = build_services(settings, start_workers=False)
    total = 0
    try:
        with services.db.session() as s:
            for i in range(objects):
                data = os.urandom(object_kb * 1024)
                sha = hashlib.sha256(data).hexdigest()
                services.store.put_bytes(content_key(sha), data)
                s.add(Document(sha256=sha, media_type="image/png", filename=f"{i}.png", size=len(data),
                               status="ready", page_count=1, pages_done=1))
                total += len(data)
        started = time.perf_counter()
        for _ in range(20):
            scrape(services)
        print(f"/metrics scrape over {objects} documents: {(time.perf_counter() - started) / 20 * 1000:.1f} ms")
    finally:
        services.close()
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--objects", type=int, default=300)
    parser.add_argument("--object-kb", type=int, default=256)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sohoa-bench-ops-") as tmp:
        root = Path(tmp)
        settings = Settings(data_dir=root / "var", ocr_workers=1)
        # Interleaved rounds, best of each: a shared machine's load shifts between runs.
        plain = counted = 0.0
        for _ in range(3):
            plain = max(plain, requests_per_second(settings, args.requests, with_metrics=False))
            counted = max(counted, requests_per_second(settings, args.requests, with_metrics=True))
        print(f"GET /healthz in-process, best of 3: {counted:.0f} req/s with metrics, {plain:.0f} without "
              f"(time ratio {plain / counted:.3f})")
        started = time.perf_counter()
        for _ in range(20000):
            metrics.HTTP_REQUESTS.labels("GET", "/healthz", "200").inc()
            metrics.HTTP_SECONDS.labels("GET", "/healthz").observe(0.001)
        print(f"counting and timing one request: {(time.perf_counter() - started) / 20000 * 1e6:.1f} µs "
              f"(of {1e6 / plain:.0f} µs a request)")

        size = populate(settings, args.objects, args.object_kb)
        mb = size / 1e6
        started = time.perf_counter()
        shutil.copytree(settings.data_dir / "objects", root / "copytree")
        baseline = mb / (time.perf_counter() - started)

        services = build_services(settings, start_workers=False)
        try:
            started = time.perf_counter()
            backup(services, root / "backup")
            backup_rate = mb / (time.perf_counter() - started)
        finally:
            services.close()
        target = Settings(data_dir=root / "restored", ocr_workers=1)
        started = time.perf_counter()
        restore(root / "backup", target, lambda: open_storage("", default_dir=target.data_dir / "objects"))
        restore_rate = mb / (time.perf_counter() - started)
        print(f"{args.objects} objects, {mb:.1f} MB: copytree {baseline:.0f} MB/s; backup {backup_rate:.0f} MB/s "
              f"(ratio {backup_rate / baseline:.2f}); restore {restore_rate:.0f} MB/s "
              f"(ratio {restore_rate / baseline:.2f}, verifies every sha256 twice)")


if __name__ == "__main__":
    main()
