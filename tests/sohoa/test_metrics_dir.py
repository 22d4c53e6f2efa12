"""``sohoa serve --workers 2``: two API processes, one /metrics total whichever process answers
the scrape (prometheus-client's multiprocess mode in the data directory)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.services import free_port, log_tail, terminate, wait_until

REPO = Path(__file__).resolve().parents[2]


def healthz_count(text: str) -> float:
    return sum(s.value for f in text_string_to_metric_families(text) for s in f.samples
               if s.name == "sohoa_http_requests_total" and s.labels.get("route") == "/healthz")


@pytest.mark.slow
def test_two_api_processes_report_one_sum(tmp_path, redis_url):
    port = free_port()
    data = tmp_path / "var"
    env = {**os.environ, "SOHOA_DATA_DIR": str(data), "SOHOA_BROKER_URL": redis_url, "SOHOA_OCR_WORKERS": "1",
           "SOHOA_SECRET_KEY": "k" * 40}
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
            # New connections each time, so both processes answer some of them.
            for _ in range(40):
                assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200
            writers = {p.name.rsplit("_", 1)[1] for p in (data / "metrics").glob("counter_*.db")}
            assert len(writers) == 2, f"requests reached one process only: {writers}"
            for _ in range(4):  # whichever process answers the scrape, the same total
                assert healthz_count(http.get("/metrics").text) == 40
    finally:
        terminate(proc, timeout=30)
    assert "Traceback" not in log.read_text(), log_tail(log, 60)
