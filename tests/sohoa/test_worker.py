"""``sohoa worker`` on the scale-out stack serves its own metrics (SOHOA_METRICS_PORT) and logs
through core/logs.py: JSON lines, the pipeline's events, and no personal data."""
from __future__ import annotations

import json

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from sohoa.services import build_services
from tests.queues import Rig
from tests.ingest.test_celery_queue import upload_scan
from tests.servers import free_port

PAGES = [["Tờ khai tham gia bảo hiểm xã hội", "Họ và tên: Nguyễn Văn Đức", "Số định danh: 001203004567"]]


@pytest.mark.slow
def test_a_worker_serves_its_ocr_metrics_and_logs_json_without_personal_data(scaleout_stack):
    port = free_port()
    worker = scaleout_stack.start_worker(metrics_port=port, log_format="json")
    rig = Rig(build_services(scaleout_stack.settings), scaleout_stack)
    try:
        document = rig.wait_finished(upload_scan(rig, PAGES))
        assert document.status == "ready", rig.logs()
    finally:
        rig.services.close()
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for f in text_string_to_metric_families(text) for s in f.samples}
    assert samples[("sohoa_ocr_pages_total", (("source", "ocr"),))] == 1
    assert samples[("sohoa_ocr_page_confidence_count", ())] == 1
    log = worker.text()
    entries = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert any(e["logger"].startswith("celery") for e in entries), log[-2000:]
    for secret in ("001203004567", "Nguyễn Văn Đức", "Nguyen Van Duc"):
        assert secret not in log
