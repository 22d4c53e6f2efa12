"""Shared fixtures: settings on a private data directory, a running app, waiting for documents."""
from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sohoa.settings import Settings

PROCEDURE = "1.000456"  # a procedure of the shipped sample catalog
OWNER_ID = "001203004567"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "var", ocr_workers=2, document_workers=2,
                    max_upload_bytes=5 * 1024 * 1024, max_request_bytes=12 * 1024 * 1024, max_pages=20)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    from api.app import create_app

    with TestClient(create_app(settings)) as c:
        yield c


def open_dossier(client: TestClient, owner: str = OWNER_ID, procedure: str = PROCEDURE, **owner_fields) -> dict:
    r = client.post("/api/v1/dossiers", json={"procedure_code": procedure, "channel": "counter",
                                              "owner": {"personal_id": owner, **owner_fields}})
    assert r.status_code == 201, r.text
    return r.json()


def wait_document(client: TestClient, document_id: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(f"/api/v1/documents/{document_id}").json()
        if body["status"] in ("ready", "failed"):
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"document {document_id} still {body['status']} after {timeout}s")
        time.sleep(0.2)
