"""Crash safety: a killed service leaves nothing half-done, and the next start finishes the work."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from catalog.models import Document, DocumentStatus
from sohoa.services import build_services
from storage import content_key
from tests import samples
from tests.conftest import OWNER_ID, PASSWORD, PROCEDURE

REPO = Path(__file__).resolve().parents[2]


def test_interrupted_upload_journal_is_undone_at_start(settings):
    services = build_services(settings, start_workers=False)
    try:
        with services.db.session() as s:
            s.add(Document(id="a" * 32, sha256="b" * 64, media_type="image/png", filename="x.png", size=3,
                           status=DocumentStatus.receiving.value))
        services.store.put_bytes(content_key("b" * 64), b"abc")
    finally:
        services.close()
    services = build_services(settings, start_workers=False)
    try:
        with services.db.session() as s:
            assert s.get(Document, "a" * 32) is None
        assert not services.store.exists(content_key("b" * 64))
    finally:
        services.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``sohoa serve`` in its own process group, with a counter account made by ``sohoa users create``."""

    def __init__(self, data_dir: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "SOHOA_DATA_DIR": str(data_dir), "SOHOA_OCR_WORKERS": "2"}
        if not (data_dir / "catalog.sqlite3").exists():
            subprocess.run([sys.executable, "-m", "sohoa.cli", "users", "create", "quay1", "--role", "counter",
                            "--office", "PT01"], input=f"{PASSWORD}\n{PASSWORD}\n", text=True, check=True,
                           cwd=REPO, env=env, capture_output=True)
        self.proc = subprocess.Popen([sys.executable, "-m", "sohoa.cli", "serve", "--port", str(self.port)],
                                     cwd=REPO, env=env, start_new_session=True,
                                     stdout=subprocess.DEVNULL, stderr=(data_dir.parent / "server.log").open("ab"))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            self.kill()
            raise AssertionError("server did not start:\n" + (data_dir.parent / "server.log").read_text()[-3000:])
        token = httpx.post(f"{self.url}/api/v1/auth/token", data={"username": "quay1", "password": PASSWORD})
        self.http = httpx.Client(base_url=self.url, timeout=30,
                                 headers={"Authorization": f"Bearer {token.json()['access_token']}"})

    def kill(self) -> None:
        """SIGKILL the whole process group: the API process, its OCR workers and their Tesseracts."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(10)


@pytest.mark.slow
def test_sigkill_during_ocr_loses_nothing(tmp_path):
    data_dir = tmp_path / "var"
    server = Server(data_dir)
    try:
        dossier = server.http.post("/api/v1/dossiers", json={
            "procedure_code": PROCEDURE, "owner": {"personal_id": OWNER_ID}}).json()["code"]
        ids = []
        for i in range(4):
            scan = samples.tiff_pages([[f"Trang {p} của tài liệu {i}", "Bảo hiểm xã hội Việt Nam"] for p in range(3)])
            r = server.http.post(f"/api/v1/dossiers/{dossier}/components", files=[("files", (f"doc{i}.tif", scan))])
            assert r.status_code == 202, r.text
            ids.append(r.json()["documents"][0]["id"])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # kill while OCR is under way
            states = [server.http.get(f"/api/v1/documents/{i}").json()["status"] for i in ids]
            if "processing" in states:
                break
            time.sleep(0.05)
        assert "processing" in states
    finally:
        server.kill()
    assert states.count("ready") < len(ids), "the kill came too late to test anything"

    server = Server(data_dir)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            docs = [server.http.get(f"/api/v1/documents/{i}").json() for i in ids]
            if all(d["status"] in ("ready", "failed") for d in docs):
                break
            time.sleep(0.3)
        assert [d["status"] for d in docs] == ["ready"] * len(ids)
        assert all(d["page_count"] == 3 and "Bảo hiểm" in d["text"] for d in docs)
        hits = server.http.get("/api/v1/search", params={"q": "bao hiem xa hoi"}).json()
        assert {h["id"] for h in hits["hits"]} == set(ids)
    finally:
        server.kill()

    services = build_services(_settings(data_dir), start_workers=False)
    try:
        with services.db.session() as s:
            rows = list(s.scalars(select(Document)))
        assert sorted(services.store.iter_keys("originals/")) == sorted(content_key(d.sha256) for d in rows)
        derived = set(services.store.iter_keys("derived/"))
        assert derived == {k for d in rows for k in (d.pdf_key, d.text_key)}
    finally:
        services.close()


def _settings(data_dir: Path):
    from core.settings import Settings

    return Settings(data_dir=data_dir)
