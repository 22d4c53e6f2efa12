"""/metrics (Prometheus text, route templates, catalog gauges) and /readyz (each backend broken in
turn, for real: a catalog on a closed port, a store rooted in a file, a deleted index, a closed
queue)."""
from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from catalog.db import Database
from storage.local import LocalObjectStore
from tests import samples
from tests.api.test_upload import upload
from tests.conftest import OWNER_ID, PASSWORD, open_dossier, wait_document


def scrape(client) -> dict[tuple[str, tuple], float]:
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    assert OWNER_ID not in r.text
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(r.text) for s in family.samples}


def value(samples_: dict, name: str, **labels) -> float:
    return samples_.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_are_counted_by_route_template_never_by_raw_path(client):
    before = scrape(client)
    for n in range(3):
        assert client.get(f"/api/v1/documents/{n:032d}").status_code == 404
    assert client.get(f"/no/such/{OWNER_ID}").status_code == 404
    after = scrape(client)
    route = {"method": "GET", "route": "/api/v1/documents/{document_id}", "status": "404"}
    assert value(after, "sohoa_http_requests_total", **route) - value(before, "sohoa_http_requests_total", **route) == 3
    unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
    assert value(after, "sohoa_http_requests_total", **unmatched) - \
        value(before, "sohoa_http_requests_total", **unmatched) == 1
    timed = {"method": "GET", "route": "/api/v1/documents/{document_id}"}
    assert value(after, "sohoa_http_request_duration_seconds_count", **timed) - \
        value(before, "sohoa_http_request_duration_seconds_count", **timed) == 3


def test_failed_logins_are_counted(client):
    before = value(scrape(client), "sohoa_failed_logins_total")
    wrong = {"username": "counter1", "password": "sai-mat-khau"}
    assert client.post("/api/v1/auth/token", data=wrong).status_code == 401
    assert client.post("/api/v1/auth/token", data={"username": "counter1", "password": PASSWORD}).status_code == 200
    assert value(scrape(client), "sohoa_failed_logins_total") - before == 1


def test_an_upload_moves_the_upload_ocr_and_catalog_metrics(client):
    before = scrape(client)
    assert value(before, "sohoa_documents", status="ready") == 0
    page = samples.png_page()
    code = open_dossier(client)["code"]
    r = upload(client, code, ("trang.png", page))
    assert r.status_code == 202, r.text
    assert wait_document(client, r.json()["documents"][0]["id"])["status"] == "ready"
    after = scrape(client)
    assert value(after, "sohoa_upload_bytes_total") - value(before, "sohoa_upload_bytes_total") == len(page)
    assert value(after, "sohoa_upload_files_total", duplicate="no") - \
        value(before, "sohoa_upload_files_total", duplicate="no") == 1
    assert value(after, "sohoa_ocr_pages_total", source="ocr") - \
        value(before, "sohoa_ocr_pages_total", source="ocr") == 1
    assert value(after, "sohoa_ocr_page_confidence_count") - value(before, "sohoa_ocr_page_confidence_count") == 1
    assert value(after, "sohoa_ocr_page_confidence_bucket", le="100.0") - \
        value(before, "sohoa_ocr_page_confidence_bucket", le="100.0") == 1
    assert value(after, "sohoa_documents", status="ready") == 1
    assert value(after, "sohoa_queue_depth") == 0
    assert value(after, "sohoa_index_documents") == 1 and value(after, "sohoa_index_lag_documents") == 0

    # The index loses the document: the lag shows it until a reindex.
    client.app.state.services.index.clear()
    assert value(scrape(client), "sohoa_index_lag_documents") == 1


def test_the_last_fixity_run_is_exported(client):
    from records.fixity import run_fixity_check

    services = client.app.state.services
    assert value(scrape(client), "sohoa_fixity_last_run_completed") == 0  # no run yet: not exported
    services.store.put_bytes("originals/ab/" + "ab" * 32, b"nobody refers to me")
    run_fixity_check(services, "api", "admin1")
    got = scrape(client)
    assert value(got, "sohoa_fixity_last_run_completed") == 1
    assert value(got, "sohoa_fixity_last_run_problems", problem="orphans") == 1
    assert value(got, "sohoa_fixity_last_run_problems", problem="missing") == 0
    assert value(got, "sohoa_fixity_findings_total", problem="orphan") >= 1


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once the socket is closed


def test_healthz_is_liveness_and_readyz_checks_every_backend(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "ready", "checks": dict.fromkeys(("catalog", "object_store", "index", "queue"), "ok")}
    assert not list(client.app.state.services.store.iter_keys("ops/")), "the probe object is removed"


@pytest.mark.parametrize("backend", ["catalog", "object_store", "index", "queue"])
def test_readyz_answers_503_naming_the_broken_backend(client, tmp_path: Path, backend: str):
    services = client.app.state.services
    saved = {"catalog": services.db, "object_store": services.store, "index": services.index}
    broken_db = None
    if backend == "catalog":
        broken_db = services.db = Database(f"postgresql+psycopg://sohoa@127.0.0.1:{closed_port()}/sohoa")
    elif backend == "object_store":
        services.store = LocalObjectStore(tmp_path / "objects")
        shutil.rmtree(tmp_path / "objects")  # its volume is gone, something else in its place
        (tmp_path / "objects").write_text("")
    elif backend == "index":
        shutil.rmtree(services.settings.data_dir / "index")
    else:
        services.queue.close(wait=True)
    try:
        r = client.get("/readyz")
        assert client.get("/healthz").status_code == 200  # still alive
    finally:
        services.db = saved["catalog"]
        services.store = saved["object_store"]
        if broken_db is not None:
            broken_db.dispose()
    assert r.status_code == 503, r.text
    body = r.json()
    assert body["code"] == "not_ready" and body["failed"] == [backend], body
    assert body["checks"][backend].startswith("failed: ")
    assert "không kết nối được" in body["message"]
    assert all(v == "ok" for k, v in body["checks"].items() if k != backend)
