"""``sohoa serve --workers 2``: two API processes, one /metrics total whichever process answers
the scrape (prometheus-client's multiprocess mode in the data directory)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from tests.servers import free_port, log_tail, terminate, wait_until

REPO = Path(__file__).resolve().parents[2]


def healthz_count(text: str) -> float:
    return sum(s.value for f in text_string_to_metric_families(text) for s in f.samples
               if s.name == "sohoa_http_requests_total" and s.labels.get("route") == "/healthz")


def healthz_by_process(directory: Path) -> dict[str, float]:
    """Each process's own /healthz count, read from its file alone."""
    counts = {}
    for path in directory.glob("counter_*.db"):
        families = MultiProcessCollector.merge([str(path)], accumulate=False)
        counts[path.stem] = sum(s.value for f in families for s in f.samples
                                if s.name == "sohoa_http_requests_total" and s.labels.get("route") == "/healthz")
    return counts


@pytest.mark.slow
def test_two_api_processes_report_one_sum(tmp_path, redis_url):
    port = free_port()
    data = tmp_path / "var"
    env = {**os.environ, "SOHOA_DATA_DIR": str(data), "SOHOA_BROKER_URL": redis_url, "SOHOA_OCR_WORKERS": "1",
           "SOHOA_SECRET_KEY": "k" * 40, "SOHOA_LOG_FORMAT": "json"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    data.mkdir(parents=True)
    (data / "metrics").mkdir()
    (data / "metrics" / "counter_999999.db").write_bytes(b"a previous run's values")
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "sohoa.cli", "serve", "--port", str(port), "--workers", "2"],
                                cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"

        def up() -> bool:
            try:
                return httpx.get(f"{base}/readyz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(up, "sohoa serve --workers 2", log=log, proc=proc, timeout=120)
        assert not (data / "metrics" / "counter_999999.db").exists(), "a previous run's values are wiped"
        with httpx.Client(base_url=base, timeout=10) as http:
            # New connections each time, until both processes have answered some of them.
            sent = 0
            while True:
                counts = healthz_by_process(data / "metrics")
                if sent >= 40 and sum(1 for n in counts.values() if n) == 2:
                    break
                assert sent < 1000, f"requests reached one process only: {counts}"
                assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200
                sent += 1
            for _ in range(4):  # whichever process answers the scrape, the same total
                assert healthz_count(http.get("/metrics").text) == sent
    finally:
        terminate(proc, timeout=30)
    text = log.read_text()
    assert "Traceback" not in text, log_tail(log, 60)
    entries = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    started = {e["process"] for e in entries if e["message"].startswith("Application startup complete")}
    assert len(started) == 2, "each API process logs through core/logs.py (JSON lines)"
