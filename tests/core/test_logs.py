"""core/logs.py: one configuration, text or JSON, owner-ID-shaped numbers masked as a safety net;
and the real rule behind it: a whole counter flow (upload, OCR, review, search, reuse, owner
look-up) logs no owner ID, no name and no document text."""
from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.logs import MASK, configure_logging, redact
from tests.api.test_coding import BIRTH_CERTIFICATE
from tests.conftest import OWNER_ID, auth_header, open_dossier, wait_document
from tests.render import encode, noisy, render_lines
from tests.catalog.test_reuse import BIRTH, items, reuse

REPO = Path(__file__).resolve().parents[2]


def test_owner_id_shapes_are_masked_and_nothing_else():
    assert redact(f"owner {OWNER_ID} and 0123456789 here") == f"owner {MASK} and {MASK} here"
    kept = "document 3f2a9c1e-0b7d-4c55-9a61-2b8e4f0d1c3a, 13 digits 1234567890123, 2026-12-01, 9 digits 123456789"
    assert redact(kept) == kept
    assert redact(f"code {OWNER_ID}.HT01.UBND.01") == f"code {MASK}.HT01.UBND.01"


@pytest.fixture
def restore_root_logging():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_lines_with_tracebacks_masked_and_one_handler_however_often_configured(restore_root_logging, monkeypatch):
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    configure_logging("INFO", "json")
    configure_logging("INFO", "json")
    log = logging.getLogger("sohoa.test")
    log.debug("not shown at INFO")
    log.info("re-queued %d documents of %s", 2, OWNER_ID)
    try:
        raise ValueError(f"row ({OWNER_ID}, 'x')")
    except ValueError:
        log.exception("failed")
    lines = [json.loads(line) for line in err.getvalue().splitlines()]
    assert [entry["message"] for entry in lines] == [f"re-queued 2 documents of {MASK}", "failed"]
    assert lines[0]["level"] == "INFO" and lines[0]["logger"] == "sohoa.test" and lines[0]["time"].endswith("+00:00")
    assert "ValueError" in lines[1]["exception"] and OWNER_ID not in err.getvalue()
    with pytest.raises(ValueError, match="log format"):
        configure_logging("INFO", "xml")


def test_the_cli_logs_the_service_events_at_info_in_json(tmp_path):
    env = {**os.environ, "SOHOA_DATA_DIR": str(tmp_path / "var"), "SOHOA_LOG_FORMAT": "json", "SOHOA_OCR_WORKERS": "1"}
    result = subprocess.run([sys.executable, "-m", "sohoa.cli", "fixity", "check"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    entries = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert any(e["logger"] == "records.fixity" and e["level"] == "INFO" and "fixity run 1 completed" in e["message"]
               for e in entries), result.stderr


PERSONAL = [OWNER_ID, "Nguyễn Văn Đức", "NGUYỄN VĂN ĐỨC", "Nguyen Van Duc", "Lê Thị Hoa", "Tiên Kiên", "12/03/2003"]


@pytest.mark.e2e
def test_a_counter_flow_logs_no_personal_data(client, caplog):
    caplog.set_level(logging.DEBUG)
    handler = auth_header(client, "handler1")
    first = open_dossier(client, procedure="1.000457", full_name="Nguyễn Văn Đức")
    scan = encode(noisy(render_lines(BIRTH_CERTIFICATE, dpi=200, font_pt=12)), "JPEG", quality=85)
    r = client.post(f"/api/v1/dossiers/{first['code']}/components", data={"component_code": "1.000457.TP02"},
                    files={"files": ("giay-khai-sinh-nguyen-van-duc.jpg", io.BytesIO(scan), "image/jpeg")})
    assert r.status_code == 202, r.text
    birth = wait_document(client, r.json()["documents"][0]["id"], timeout=240)
    assert birth["status"] == "ready"
    if birth["needs_review"] or (birth["document_type"] or {}).get("code") != "HT01":
        assert client.post(f"/api/v1/documents/{birth['id']}/type", json={"code": "HT01"}).status_code == 200
    r = client.post(f"/api/v1/documents/{birth['id']}/review", json={"decision": "approved"}, headers=handler)
    assert r.status_code == 200, r.text
    for params in ({"q": "Nguyễn Văn Đức"}, {"q": "nguyen van duc", "owner": OWNER_ID}):
        assert client.get("/api/v1/search", params=params).status_code == 200
    assert client.get(f"/api/v1/owners/{OWNER_ID}").status_code == 200
    second = open_dossier(client, procedure="1.000123")
    [candidate] = items(second["checklist"])[BIRTH]["candidates"]
    assert reuse(client, second["code"], candidate["document_id"], BIRTH).status_code == 201
    assert client.post("/api/v1/auth/token", data={"username": OWNER_ID, "password": "x" * 12}).status_code == 401
    r = client.post(f"/api/v1/dossiers/{second['code']}/components",  # refused upload: its name in an error
                    files={"files": ("cmnd-nguyen-van-duc.pdf", io.BytesIO(b"%PDF-1.4 broken"), "application/pdf")})
    assert r.status_code in (400, 415, 422), r.text

    # httpx is the test's HTTP client (it logs the URLs it requests); everything else is the service.
    service_records = [rec for rec in caplog.records if rec.name != "httpx"]
    for rec in service_records:
        text = rec.getMessage() + (logging.Formatter().formatException(rec.exc_info) if rec.exc_info else "")
        for value in PERSONAL:
            assert value not in text, f"{rec.name}: {text}"
